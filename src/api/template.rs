//! Pod templates: the containers the simulation cares about, the canonical JSON a template hash
//! is taken of, and Argo's pod-template-hash format.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::raw;

/// A container: the simulation only needs its name and image (timing comes from `apps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// `name`, unique within the pod.
    pub name: String,
    /// `image`: what `kubectl argo rollouts set image` changes, and scenarios key pod behaviour on.
    pub image: String,
}

/// A validated pod template. `json` is the whole template as written (minus nothing), so any
/// change to it (an env var, a probe) makes a new revision, exactly as in Kubernetes.
#[derive(Debug, Clone, PartialEq)]
pub struct PodTemplate {
    /// The template as written, in canonical JSON: what the pod-template hash is taken of.
    pub json: Json,
}

impl PodTemplate {
    /// The template of a parsed manifest, kept whole.
    pub fn from_raw(raw: &raw::PodTemplate) -> Self {
        PodTemplate {
            json: serde_json::to_value(raw).unwrap_or(Json::Null),
        }
    }

    /// Whether `metadata.labels` holds every pair of `selector` (a Service's or a Rollout's
    /// `matchLabels`), read in place: asked after every change of a run, so nothing is copied.
    pub fn has_labels(&self, selector: &BTreeMap<String, String>) -> bool {
        let labels = &self.json["metadata"]["labels"];
        selector
            .iter()
            .all(|(k, v)| labels.get(k).and_then(Json::as_str) == Some(v.as_str()))
    }

    /// `metadata.labels` (string values only); empty when there are none.
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.json["metadata"]["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn containers_of(&self, key: &str) -> Vec<Container> {
        self.json["spec"][key]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| Container {
                        name: c["name"].as_str().unwrap_or_default().to_string(),
                        image: c["image"].as_str().unwrap_or_default().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The regular containers, in order.
    pub fn containers(&self) -> Vec<Container> {
        self.containers_of("containers")
    }

    /// The names of the containers, then of the init containers: those `set_image` can name.
    pub fn container_names(&self) -> Vec<String> {
        let mut out: Vec<String> = self.containers().into_iter().map(|c| c.name).collect();
        out.extend(
            self.containers_of("initContainers")
                .into_iter()
                .map(|c| c.name),
        );
        out
    }

    /// The image of the first container: what the simulation shows as "the" image of a
    /// revision and what the `apps` model is looked up by.
    pub fn primary_image(&self) -> String {
        self.containers()
            .into_iter()
            .next()
            .map(|c| c.image)
            .unwrap_or_default()
    }

    /// Sets the image of every container (init containers included, as `kubectl argo rollouts
    /// set image ROLLOUT *=IMG` does) or of the named one, in place. `None` when no container
    /// has that name; else whether any image changed (an unchanged template keeps its hash
    /// and is no new generation).
    pub fn set_image(&mut self, container: Option<&str>, image: &str) -> Option<bool> {
        let mut hit = false;
        let mut changed = false;
        for key in ["containers", "initContainers"] {
            // `get_mut`, not indexing: `IndexMut` would insert a null `initContainers` key and
            // change the template hash.
            let list = self
                .json
                .get_mut("spec")
                .and_then(|s| s.get_mut(key))
                .and_then(|l| l.as_array_mut());
            if let Some(cs) = list {
                for c in cs {
                    let matches = match container {
                        None => key == "containers",
                        Some(n) => c["name"].as_str() == Some(n),
                    };
                    if matches {
                        hit = true;
                        if c["image"].as_str() != Some(image) {
                            c["image"] = Json::String(image.to_string());
                            changed = true;
                        }
                    }
                }
            }
        }
        hit.then_some(changed)
    }

    /// `spec.tolerations`, as the manifest validated them; empty when there are none.
    pub fn tolerations(&self) -> Vec<raw::Toleration> {
        self.json["spec"]
            .get("tolerations")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or_default()
    }

    /// Argo's pod-template hash format: FNV-32a of the template's JSON, printed in decimal and
    /// safe-encoded (≤ 10 characters from `4-9bcdf`). The JSON is ours, not Go's, so values
    /// differ from a real cluster's but have the same shape and stability.
    pub fn hash(&self, collision_count: u32) -> String {
        // The JSON is folded into the hash as it is written, never held whole in memory.
        let mut h = Fnv32a::default();
        // Writing to `Fnv32a` cannot fail, and a `Value` always serializes.
        let _ = serde_json::to_writer(&mut h, &self.json);
        if collision_count > 0 {
            h.add(&collision_count.to_le_bytes());
            h.add(&[0, 0, 0, 0]);
        }
        safe_encode(&h.0.to_string())
    }
}

/// FNV-1a, 32 bits, fed piece by piece (`fnv32a` of the concatenation).
struct Fnv32a(u32);

impl Default for Fnv32a {
    fn default() -> Self {
        Fnv32a(0x811c_9dc5)
    }
}

impl Fnv32a {
    fn add(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u32::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0193);
        }
    }
}

impl std::io::Write for Fnv32a {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.add(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// FNV-1a, 32 bits.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut h = Fnv32a::default();
    h.add(bytes);
    h.0
}

/// Kubernetes' `rand.SafeEncodeString`: maps each character onto an alphabet without vowels
/// (so that generated names never spell words).
pub fn safe_encode(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes()
        .map(|b| ALPHANUMS[usize::from(b) % ALPHANUMS.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_encode_maps_digits_as_argo() {
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
    }

    #[test]
    fn hash_changes_with_any_field_and_has_argo_shape() {
        let a = PodTemplate {
            json: serde_json::json!({"spec": {"containers": [{"name": "c", "image": "x:1"}]}}),
        };
        let mut b = a.clone();
        assert_eq!(a.hash(0), b.hash(0));
        b.json["spec"]["containers"][0]["env"] = serde_json::json!([{"name": "A", "value": "1"}]);
        assert_ne!(a.hash(0), b.hash(0));
        assert_ne!(a.hash(0), a.hash(1));
        let h = a.hash(0);
        assert!(
            h.len() <= 10 && h.chars().all(|c| "456789bcdf".contains(c)),
            "{h}"
        );
    }

    #[test]
    fn streamed_hash_is_the_hash_of_the_whole_json() {
        let t = PodTemplate {
            json: serde_json::json!({"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "x:1"}]}}),
        };
        let bytes = serde_json::to_vec(&t.json).unwrap();
        assert_eq!(t.hash(0), safe_encode(&fnv32a(&bytes).to_string()));
        let mut with_count = bytes.clone();
        with_count.extend_from_slice(&[3, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(t.hash(3), safe_encode(&fnv32a(&with_count).to_string()));
    }

    #[test]
    fn set_image_all_or_named() {
        let mut t = PodTemplate {
            json: serde_json::json!({"spec": {"containers": [
                {"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}]}}),
        };
        assert_eq!(t.set_image(Some("b"), "y:2"), Some(true));
        assert_eq!(t.containers()[1].image, "y:2");
        assert_eq!(t.containers()[0].image, "x:1");
        // The same image again changes nothing.
        assert_eq!(t.set_image(Some("b"), "y:2"), Some(false));
        assert_eq!(t.set_image(None, "z:3"), Some(true));
        assert!(t.containers().iter().all(|c| c.image == "z:3"));
        assert_eq!(t.set_image(Some("nope"), "q"), None);
    }

    #[test]
    fn has_labels_wants_every_pair_of_the_selector() {
        let t = PodTemplate {
            json: serde_json::json!({"metadata": {"labels": {"app": "web", "tier": "1", "n": 2}}}),
        };
        let sel = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(t.has_labels(&sel(&[])));
        assert!(t.has_labels(&sel(&[("app", "web"), ("tier", "1")])));
        assert!(!t.has_labels(&sel(&[("app", "api")])));
        assert!(!t.has_labels(&sel(&[("app", "web"), ("zone", "a")])));
        // Only string values are labels, as `labels()` reads them.
        assert!(!t.has_labels(&sel(&[("n", "2")])));
        let bare = PodTemplate {
            json: serde_json::json!({"spec": {}}),
        };
        assert!(!bare.has_labels(&sel(&[("app", "web")])));
    }

    #[test]
    fn setting_an_image_back_restores_the_hash() {
        let mut t = PodTemplate {
            json: serde_json::json!({"spec": {"containers": [{"name": "a", "image": "x:1"}]}}),
        };
        let original = t.hash(0);
        t.set_image(None, "x:2");
        assert_ne!(t.hash(0), original);
        t.set_image(None, "x:1");
        assert_eq!(t.hash(0), original);
    }
}
