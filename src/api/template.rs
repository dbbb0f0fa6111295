//! Pod templates: the containers the simulation cares about, the canonical JSON a template hash
//! is taken of, and Argo's pod-template-hash format.
//!
//! A template is immutable once made, and shared: a new ReplicaSet, a copy of the spec or a
//! snapshot holds a pointer to it, not a copy of its JSON tree. What the run asks of it is
//! worked out once, when it is made: its canonical JSON, the pod-template hash of that, and
//! its containers. `set image` makes a new template by rewriting the image strings in the
//! canonical JSON (their places are noted when it is written), not by copying and
//! re-serialising the tree.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use serde_json::Value as Json;
use smallvec::SmallVec;
use smol_str::SmolStr;

use super::raw;

/// A container: the simulation only needs its name and image (timing comes from `apps`).
/// Shared texts: a template made by `set image` keeps the names of the one it replaces, and a
/// ReplicaSet shares its template's image, without copying either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// `name`, unique within the pod.
    pub name: SmolStr,
    /// `image`: what `kubectl argo rollouts set image` changes, and scenarios key pod behaviour on.
    pub image: SmolStr,
}

/// A validated pod template. Its JSON is the whole template as written (minus nothing), so any
/// change to it (an env var, a probe) makes a new revision, exactly as in Kubernetes. Cloning
/// it is cheap: clones share one template.
#[derive(Clone)]
pub struct PodTemplate(Arc<Made>);

/// Shown as its canonical JSON, which says all there is to say of it.
impl std::fmt::Debug for PodTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PodTemplate")
            .field(&String::from_utf8_lossy(&self.0.canonical))
            .finish()
    }
}

/// A template and what is worked out from it when it is made.
#[derive(Debug)]
struct Made {
    /// The JSON tree the template was made from. `set_image` does not rewrite it (the tree is
    /// shared with earlier versions): it is exact for everything but the containers' images,
    /// which `containers`, `init_containers` and `canonical` hold as they are now.
    written: Arc<Json>,
    /// The template in canonical JSON (serde_json's compact form): what the hash is taken of,
    /// and what two templates are compared by.
    canonical: Vec<u8>,
    /// Where each container's `image` string sits in `canonical`, in order.
    images_at: ImagesAt,
    /// `spec.containers`, in order.
    containers: Containers,
    /// `spec.initContainers`, in order.
    init_containers: Containers,
    /// The FNV-1a state after `canonical`, which a collision count is added to.
    fnv: u32,
    /// The pod-template hash (collision count 0).
    hash: SmolStr,
}

/// A template's containers (or init containers). Most templates have one container and no
/// init container: kept inline, `set_image` makes its new template without a list of its own.
type Containers = SmallVec<[Container; 1]>;

/// Where the containers' images sit in a template's canonical JSON: inline for the one or two
/// of most templates, for the same reason.
type ImagesAt = SmallVec<[ImageAt; 2]>;

/// The bytes of one container's `image` string (quotes included) in the canonical JSON.
#[derive(Debug, Clone)]
struct ImageAt {
    /// In `initContainers` rather than `containers`.
    init: bool,
    /// Its index in that list.
    index: usize,
    /// Its bytes.
    range: Range<usize>,
}

/// Templates are equal when their canonical JSON is: the hashes are compared first, so two
/// different templates rarely get as far as their bytes.
impl PartialEq for PodTemplate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.fnv == other.0.fnv && self.0.canonical == other.0.canonical)
    }
}

impl PodTemplate {
    /// The template of a parsed manifest, kept whole.
    pub fn from_raw(raw: &raw::PodTemplate) -> Self {
        Self::from_json(serde_json::to_value(raw).unwrap_or(Json::Null))
    }

    /// A template from its JSON tree.
    pub fn from_json(json: Json) -> Self {
        let mut canonical = Vec::new();
        let mut images_at = ImagesAt::new();
        write_canonical(&json, Place::Root, &mut canonical, &mut images_at);
        let list = |key: &str| -> Containers {
            json["spec"][key]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .map(|c| Container {
                            name: c["name"].as_str().unwrap_or_default().into(),
                            image: c["image"].as_str().unwrap_or_default().into(),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let containers = list("containers");
        let init_containers = list("initContainers");
        Self::made(
            Arc::new(json),
            canonical,
            images_at,
            containers,
            init_containers,
        )
    }

    /// Hashes the canonical JSON once, for every later question.
    fn made(
        written: Arc<Json>,
        canonical: Vec<u8>,
        images_at: ImagesAt,
        containers: Containers,
        init_containers: Containers,
    ) -> Self {
        let fnv = fnv32a(&canonical);
        PodTemplate(Arc::new(Made {
            written,
            canonical,
            images_at,
            containers,
            init_containers,
            fnv,
            hash: encoded_hash(fnv),
        }))
    }

    /// The template's JSON tree as it is now (images set since it was made included).
    pub fn to_json(&self) -> Json {
        let mut json = (*self.0.written).clone();
        for at in &self.0.images_at {
            let (key, list) = self.list(at.init);
            let pointer = format!("/spec/{key}/{}/image", at.index);
            if let (Some(slot), Some(c)) = (json.pointer_mut(&pointer), list.get(at.index)) {
                *slot = Json::String(c.image.to_string());
            }
        }
        json
    }

    /// The template in canonical JSON: the bytes its hash is taken of.
    pub fn canonical_json(&self) -> &[u8] {
        &self.0.canonical
    }

    /// The key of the containers or the init containers, and that list.
    fn list(&self, init: bool) -> (&'static str, &[Container]) {
        if init {
            ("initContainers", &self.0.init_containers)
        } else {
            ("containers", &self.0.containers)
        }
    }

    /// Whether `metadata.labels` holds every pair of `selector` (a Service's or a Rollout's
    /// `matchLabels`), read in place: asked after every change of a run, so nothing is copied.
    pub fn has_labels(&self, selector: &BTreeMap<String, String>) -> bool {
        let labels = &self.0.written["metadata"]["labels"];
        selector
            .iter()
            .all(|(k, v)| labels.get(k).and_then(Json::as_str) == Some(v.as_str()))
    }

    /// `metadata.labels` (string values only); empty when there are none.
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.0.written["metadata"]["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The regular containers, in order.
    pub fn containers(&self) -> &[Container] {
        &self.0.containers
    }

    /// The names of the containers, then of the init containers: those `set_image` can name.
    pub fn container_names(&self) -> Vec<String> {
        self.0
            .containers
            .iter()
            .chain(&self.0.init_containers)
            .map(|c| c.name.to_string())
            .collect()
    }

    /// The image of the first container: what the simulation shows as "the" image of a
    /// revision and what the `apps` model is looked up by.
    pub fn primary_image(&self) -> &str {
        self.0.containers.first().map_or("", |c| c.image.as_str())
    }

    /// `primary_image`, shared rather than copied (for a ReplicaSet made of this template).
    pub fn primary_image_text(&self) -> SmolStr {
        self.0
            .containers
            .first()
            .map_or_else(SmolStr::default, |c| c.image.clone())
    }

    /// Sets the image of every container (init containers included, as `kubectl argo rollouts
    /// set image ROLLOUT *=IMG` does) or of the named one: the template becomes a new one.
    /// `None` when no container has that name; else whether any image changed (an unchanged
    /// template stays the same one, with its hash, and is no new generation).
    pub fn set_image(&mut self, container: Option<&str>, image: &str) -> Option<bool> {
        let mut hit = false;
        // The containers whose image changes, as (init, index): rarely more than a few.
        let mut changes: SmallVec<[(bool, usize); 4]> = SmallVec::new();
        for init in [false, true] {
            let (key, list) = self.list(init);
            for (index, c) in list.iter().enumerate() {
                // Without a name, every container: upstream's `set image ROLLOUT *=IMG` walks
                // `initContainers` too (newRolloutSetImage, cmd/set/set_image.go).
                let matches = match container {
                    None => true,
                    // A container's `name` is the JSON's string, or "" when it has none (or a
                    // name that is no string): a name other than "" matches as it does in the
                    // JSON as written, without reading the tree.
                    Some(n) if !n.is_empty() => c.name == n,
                    // A container without a `name` matches no name, not "": only the tree
                    // tells the two apart (set_image never changes names).
                    Some(n) => self.0.written["spec"][key][index]["name"].as_str() == Some(n),
                };
                debug_assert_eq!(
                    matches,
                    container.is_none_or(|n| {
                        self.0.written["spec"][key][index]["name"].as_str() == Some(n)
                    }),
                    "a container's name read from the tree as written"
                );
                if !matches {
                    continue;
                }
                hit = true;
                let has_image = self.image_at(init, index).is_some();
                if !has_image || list.get(index).is_none_or(|c| c.image != image) {
                    changes.push((init, index));
                }
            }
        }
        if changes.is_empty() {
            return hit.then_some(false);
        }
        if changes
            .iter()
            .all(|&(init, i)| self.image_at(init, i).is_some())
        {
            *self = self.with_images(&changes, image);
        } else {
            // A container without an `image` string gets one: a new key in the tree, so the
            // template is made again from its JSON.
            let mut json = self.to_json();
            for &(init, index) in &changes {
                let key = self.list(init).0;
                if let Some(c) = json
                    .get_mut("spec")
                    .and_then(|s| s.get_mut(key))
                    .and_then(|l| l.get_mut(index))
                    .and_then(Json::as_object_mut)
                {
                    c.insert("image".to_string(), Json::String(image.to_string()));
                }
            }
            *self = Self::from_json(json);
        }
        Some(true)
    }

    /// Where the image of a container sits in the canonical JSON, when it is a string.
    fn image_at(&self, init: bool, index: usize) -> Option<&ImageAt> {
        self.0
            .images_at
            .iter()
            .find(|at| at.init == init && at.index == index)
    }

    /// This template with `image` for the containers `changes` lists: the canonical JSON with
    /// those image strings rewritten, the tree shared.
    fn with_images(&self, changes: &[(bool, usize)], image: &str) -> Self {
        let old = &self.0.canonical;
        // Room for the new image strings with their quotes (one that needs escapes grows it).
        let mut canonical = Vec::with_capacity(old.len() + changes.len() * (image.len() + 2));
        let mut images_at = ImagesAt::with_capacity(self.0.images_at.len());
        let mut from = 0;
        for at in &self.0.images_at {
            canonical.extend_from_slice(&old[from..at.range.start]);
            let start = canonical.len();
            if changes.contains(&(at.init, at.index)) {
                // Written in place rather than copied from a quoted buffer of its own.
                write_str(image, &mut canonical);
            } else {
                canonical.extend_from_slice(&old[at.range.clone()]);
            }
            images_at.push(ImageAt {
                range: start..canonical.len(),
                ..at.clone()
            });
            from = at.range.end;
        }
        canonical.extend_from_slice(&old[from..]);
        let set = |init: bool, list: &[Container]| -> Containers {
            list.iter()
                .enumerate()
                .map(|(index, c)| Container {
                    name: c.name.clone(),
                    image: if changes.contains(&(init, index)) {
                        SmolStr::new(image)
                    } else {
                        c.image.clone()
                    },
                })
                .collect()
        };
        Self::made(
            Arc::clone(&self.0.written),
            canonical,
            images_at,
            set(false, &self.0.containers),
            set(true, &self.0.init_containers),
        )
    }

    /// `spec.tolerations`, as the manifest validated them; empty when there are none.
    pub fn tolerations(&self) -> Vec<raw::Toleration> {
        self.0.written["spec"]
            .get("tolerations")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or_default()
    }

    /// Argo's pod-template hash format: FNV-32a of the template's JSON, printed in decimal and
    /// safe-encoded (≤ 10 characters from `4-9bcdf`). The JSON is ours, not Go's, so values
    /// differ from a real cluster's but have the same shape and stability. Worked out when the
    /// template is made; a collision count is added to the hash of the JSON.
    pub fn hash(&self, collision_count: u32) -> SmolStr {
        if collision_count == 0 {
            return self.0.hash.clone();
        }
        let mut h = Fnv32a(self.0.fnv);
        h.add(&collision_count.to_le_bytes());
        h.add(&[0, 0, 0, 0]);
        encoded_hash(h.0)
    }
}

/// Where a value sits in a template, as far as finding the containers' images goes.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// The template itself.
    Root,
    /// `spec`.
    Spec,
    /// `spec.containers` or `spec.initContainers`.
    List { init: bool },
    /// One container of such a list.
    Container { init: bool, index: usize },
    /// Anywhere else.
    Elsewhere,
}

impl Place {
    /// The place of the value under `key` of an object here.
    fn key(self, key: &str) -> Place {
        match (self, key) {
            (Place::Root, "spec") => Place::Spec,
            (Place::Spec, "containers") => Place::List { init: false },
            (Place::Spec, "initContainers") => Place::List { init: true },
            _ => Place::Elsewhere,
        }
    }

    /// The place of item `index` of an array here.
    fn item(self, index: usize) -> Place {
        match self {
            Place::List { init } => Place::Container { init, index },
            _ => Place::Elsewhere,
        }
    }
}

/// Writes `v` exactly as `serde_json::to_writer` does (compact, keys in the map's order),
/// noting where each container's `image` string is written. Scalars and keys are written by
/// serde_json itself, so only the brackets, colons and commas are ours.
fn write_canonical(v: &Json, place: Place, out: &mut Vec<u8>, images_at: &mut ImagesAt) {
    match v {
        Json::Object(map) => {
            out.push(b'{');
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(key, out);
                out.push(b':');
                let start = out.len();
                write_canonical(value, place.key(key), out, images_at);
                if let (Place::Container { init, index }, "image", Json::String(_)) =
                    (place, key.as_str(), value)
                {
                    images_at.push(ImageAt {
                        init,
                        index,
                        range: start..out.len(),
                    });
                }
            }
            out.push(b'}');
        }
        Json::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, place.item(i), out, images_at);
            }
            out.push(b']');
        }
        scalar => write_leaf(scalar, out),
    }
}

/// A string, number, boolean or null, as serde_json writes it.
fn write_leaf<T: serde::Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail, and these values always serialize.
    let _ = serde_json::to_writer(out, v);
}

/// A string as serde_json writes it: quoted, and escaped only where it holds a quote, a
/// backslash or a control character. Most strings of a template (keys, images) have none, and
/// are copied between their quotes here rather than scanned by serde_json's writer.
fn write_str(s: &str, out: &mut Vec<u8>) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        write_leaf(s, out);
        return;
    }
    let start = out.len();
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
    debug_assert_eq!(out[start..], serde_json::to_vec(s).unwrap_or_default()[..]);
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

/// FNV-1a, 32 bits.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut h = Fnv32a::default();
    h.add(bytes);
    h.0
}

/// Argo's `rand.SafeEncodeString` alphabet: no vowels, no 0, 1 or 3.
const SAFE_ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A hash in Argo's format (pod templates, steps, experiment templates): `safe_encode` of the
/// decimal digits of an FNV state, written straight into the text rather than through two
/// intermediate strings.
pub fn encoded_hash(h: u32) -> SmolStr {
    // u32::MAX has 10 digits; they are written from the last.
    let mut text = [0u8; 10];
    let mut start = text.len();
    let mut n = h;
    loop {
        start -= 1;
        // A digit below 10 always fits a u8.
        let digit = b'0' + u8::try_from(n % 10).unwrap_or(0);
        text[start] = SAFE_ALPHANUMS[usize::from(digit) % SAFE_ALPHANUMS.len()];
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let encoded = SmolStr::new(std::str::from_utf8(&text[start..]).unwrap_or_default());
    debug_assert_eq!(encoded, safe_encode(&h.to_string()));
    encoded
}

/// Kubernetes' `rand.SafeEncodeString`: maps each character onto an alphabet without vowels
/// (so that generated names never spell words).
pub fn safe_encode(s: &str) -> String {
    s.bytes()
        .map(|b| SAFE_ALPHANUMS[usize::from(b) % SAFE_ALPHANUMS.len()] as char)
        .collect()
}

/// Whether a pod template (as JSON) declares a container port: without one, Argo creates no
/// Service for an experiment template.
pub fn declares_ports(json: &Json) -> bool {
    json["spec"]["containers"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["ports"].as_array().is_some_and(|p| !p.is_empty()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The canonical JSON is serde_json's, and the hash is taken of it.
    fn assert_canonical(t: &PodTemplate) {
        let bytes = serde_json::to_vec(&t.to_json()).unwrap();
        assert_eq!(
            String::from_utf8_lossy(t.canonical_json()),
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(t.hash(0), safe_encode(&fnv32a(&bytes).to_string()));
    }

    #[test]
    fn encoded_hash_is_safe_encode_of_the_digits() {
        for h in [0, 9, 10, 1_234_567_890, u32::MAX] {
            assert_eq!(encoded_hash(h), safe_encode(&h.to_string()));
        }
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for s in [
            "",
            "nginx:1.2",
            "q\"uote",
            "back\\slash",
            "tab\t",
            "é\u{7f}",
        ] {
            let mut out = Vec::new();
            write_str(s, &mut out);
            assert_eq!(out, serde_json::to_vec(s).unwrap());
        }
    }

    #[test]
    fn safe_encode_maps_digits_as_argo() {
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
    }

    #[test]
    fn canonical_json_is_serde_jsons_compact_form() {
        let t = PodTemplate::from_json(json!({
            "metadata": {"labels": {"app": "web", "q\"uote": "back\\slash\n"}, "annotations": {}},
            "spec": {
                "containers": [
                    {"name": "a", "image": "x:1", "ports": [{"containerPort": 8080}],
                     "resources": {"limits": {"cpu": 0.5, "memory": "64Mi"}},
                     "args": [], "tty": true, "stdin": false, "command": null},
                    {"name": "b", "image": "ü/é:2", "env": [{"name": "N", "value": "-1"}]}
                ],
                "initContainers": [{"name": "i", "image": "init:1"}, {"name": "j"}],
                "nested": [[1, -2, 3.25e10], [{"containers": [{"image": "not:me"}]}]],
                "terminationGracePeriodSeconds": 30
            }
        }));
        assert_canonical(&t);
        // Only the containers' images are noted, not an `image` key elsewhere.
        let noted: Vec<(bool, usize)> = t.0.images_at.iter().map(|a| (a.init, a.index)).collect();
        assert_eq!(noted, [(false, 0), (false, 1), (true, 0)]);
        for at in &t.0.images_at {
            let (_, list) = t.list(at.init);
            let written = &t.canonical_json()[at.range.clone()];
            assert_eq!(written, serde_json::to_vec(&list[at.index].image).unwrap());
        }
    }

    #[test]
    fn hash_changes_with_any_field_and_has_argo_shape() {
        let a = PodTemplate::from_json(
            json!({"spec": {"containers": [{"name": "c", "image": "x:1"}]}}),
        );
        let b = a.clone();
        assert_eq!(a.hash(0), b.hash(0));
        let mut json = a.to_json();
        json["spec"]["containers"][0]["env"] = json!([{"name": "A", "value": "1"}]);
        let b = PodTemplate::from_json(json);
        assert_ne!(a.hash(0), b.hash(0));
        assert_ne!(a, b);
        assert_ne!(a.hash(0), a.hash(1));
        let h = a.hash(0);
        assert!(
            h.len() <= 10 && h.chars().all(|c| "456789bcdf".contains(c)),
            "{h}"
        );
    }

    #[test]
    fn a_collision_count_extends_the_hash_of_the_json() {
        let t = PodTemplate::from_json(json!({"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "x:1"}]}}));
        let bytes = serde_json::to_vec(&t.to_json()).unwrap();
        assert_eq!(t.hash(0), safe_encode(&fnv32a(&bytes).to_string()));
        let mut with_count = bytes.clone();
        with_count.extend_from_slice(&[3, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(t.hash(3), safe_encode(&fnv32a(&with_count).to_string()));
    }

    #[test]
    fn a_template_shows_as_its_json() {
        let t = PodTemplate::from_json(json!({"spec": {"containers": [{"name": "c"}]}}));
        assert_eq!(
            format!("{t:?}"),
            r#"PodTemplate("{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}")"#
        );
    }

    #[test]
    fn templates_are_equal_by_their_json() {
        let json = json!({"spec": {"containers": [{"name": "c", "image": "x:1"}]}});
        let a = PodTemplate::from_json(json.clone());
        assert_eq!(a, a.clone());
        assert_eq!(a, PodTemplate::from_json(json));
        let mut b = a.clone();
        b.set_image(None, "x:2");
        assert_ne!(a, b);
        b.set_image(None, "x:1");
        assert_eq!(a, b);
    }

    #[test]
    fn set_image_all_or_named() {
        let mut t = PodTemplate::from_json(json!({"spec": {
            "containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}],
            "initContainers": [{"name": "i", "image": "z:1"}]}}));
        assert_eq!(t.set_image(Some("b"), "y:2"), Some(true));
        assert_eq!(t.containers()[1].image, "y:2");
        assert_eq!(t.containers()[0].image, "x:1");
        assert_canonical(&t);
        // The same image again changes nothing: the template stays the same one.
        let before = t.clone();
        assert_eq!(t.set_image(Some("b"), "y:2"), Some(false));
        assert!(Arc::ptr_eq(&before.0, &t.0));
        // Every container, the init containers too (`*=IMG`); a longer image shifts the rest.
        assert_eq!(t.set_image(None, "registry.example/z:3-long"), Some(true));
        assert!(
            t.containers()
                .iter()
                .all(|c| c.image == "registry.example/z:3-long")
        );
        assert_eq!(
            t.to_json()["spec"]["initContainers"][0]["image"],
            "registry.example/z:3-long"
        );
        assert_canonical(&t);
        // An init container by name; an image that needs escaping.
        assert_eq!(t.set_image(Some("i"), "q\"uoted"), Some(true));
        assert_eq!(
            t.to_json()["spec"]["initContainers"][0]["image"],
            "q\"uoted"
        );
        assert_canonical(&t);
        assert_eq!(t.set_image(Some("nope"), "q"), None);
    }

    #[test]
    fn a_container_without_a_name_is_not_named_the_empty_name() {
        // Both read as "" in the containers list; only the one named "" is named "".
        let mut t = PodTemplate::from_json(json!({"spec": {"containers": [
            {"image": "x:1"}, {"name": "", "image": "y:1"}, {"name": 7, "image": "w:1"}]}}));
        assert_eq!(t.set_image(Some(""), "z:2"), Some(true));
        let images: Vec<&str> = t.containers().iter().map(|c| c.image.as_str()).collect();
        assert_eq!(images, ["x:1", "z:2", "w:1"]);
        assert_canonical(&t);
    }

    #[test]
    fn set_image_gives_the_template_of_the_edited_json() {
        let json = json!({"metadata": {"labels": {"app": "web"}}, "spec": {
            "containers": [{"name": "a", "image": "x:1", "ports": [{"containerPort": 80}]}],
            "initContainers": [{"name": "i"}]}});
        let mut t = PodTemplate::from_json(json.clone());
        t.set_image(Some("a"), "x:2");
        let mut edited = json.clone();
        edited["spec"]["containers"][0]["image"] = json!("x:2");
        assert_eq!(t.to_json(), edited);
        assert_eq!(t, PodTemplate::from_json(edited.clone()));
        assert_eq!(t.hash(0), PodTemplate::from_json(edited.clone()).hash(0));
        // An init container without an image gets one: a new key, as `kubectl set image` adds.
        assert_eq!(t.set_image(Some("i"), "init:1"), Some(true));
        edited["spec"]["initContainers"][0]["image"] = json!("init:1");
        assert_eq!(t.to_json(), edited);
        assert_eq!(t.hash(0), PodTemplate::from_json(edited).hash(0));
        assert_canonical(&t);
        assert_eq!(t.container_names(), ["a", "i"]);
    }

    #[test]
    fn has_labels_wants_every_pair_of_the_selector() {
        let t = PodTemplate::from_json(
            json!({"metadata": {"labels": {"app": "web", "tier": "1", "n": 2}}}),
        );
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
        let bare = PodTemplate::from_json(json!({"spec": {}}));
        assert!(!bare.has_labels(&sel(&[("app", "web")])));
    }

    #[test]
    fn setting_an_image_back_restores_the_hash() {
        let mut t = PodTemplate::from_json(
            json!({"spec": {"containers": [{"name": "a", "image": "x:1"}]}}),
        );
        let original = t.hash(0);
        t.set_image(None, "x:2");
        assert_ne!(t.hash(0), original);
        t.set_image(None, "x:1");
        assert_eq!(t.hash(0), original);
    }
}
