//! PodDisruptionBudgets and the Eviction API: an eviction is refused (HTTP 429 in a real
//! cluster) when a budget selecting the pod allows no more disruptions.

use std::collections::BTreeMap;

use crate::api::{DisruptionBudget, IntOrString};

use super::{Cluster, PodId, PodState};

/// Whether `selector` selects pods with `labels` (every selector label present and equal).
pub fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// `value` of an `IntOrString` against `total`, a percentage rounded up.
fn scaled(v: &IntOrString, total: i64) -> i64 {
    match v {
        IntOrString::Int(i) => *i,
        IntOrString::Str(s) => {
            let pct: i64 = s.trim_end_matches('%').trim().parse().unwrap_or(0);
            (pct * total + 99) / 100
        }
    }
}

impl Cluster {
    /// Labels of a ReplicaSet's pods: the template's labels and the pod-template hash.
    pub fn pod_labels(&self, rs: super::RsId) -> BTreeMap<String, String> {
        let r = self.rs(rs);
        let mut labels = r.template.labels();
        labels.insert("rollouts-pod-template-hash".to_string(), r.hash.to_string());
        labels
    }

    /// The live pods a budget selects.
    fn budget_pods(&self, budget: &DisruptionBudget) -> Vec<PodId> {
        self.live_replica_sets()
            .filter(|rs| selects(&budget.selector, &self.pod_labels(rs.id)))
            .flat_map(|rs| self.live_pods(rs.id).map(|p| p.id).collect::<Vec<_>>())
            .collect()
    }

    /// The disruption controller's `disruptionsAllowed`: Ready pods beyond the ones the budget
    /// requires. `scale` is the owning workload's replicas (percentages and maxUnavailable
    /// count against it; an integer minAvailable counts against the pods that exist).
    pub fn disruptions_allowed(&self, budget: &DisruptionBudget, scale: u32) -> i32 {
        let pods = self.budget_pods(budget);
        let healthy = pods
            .iter()
            .filter(|p| self.pod(**p).state == PodState::Ready)
            .count();
        // A pod count is far below i64::MAX; saturate rather than wrap if it ever were not.
        let healthy = i64::try_from(healthy).unwrap_or(i64::MAX);
        let desired = match (&budget.min_available, &budget.max_unavailable) {
            (Some(IntOrString::Int(n)), _) => *n,
            (Some(pct), _) => scaled(pct, i64::from(scale)),
            (None, Some(m)) => i64::from(scale) - scaled(m, i64::from(scale)),
            (None, None) => 0,
        };
        // Saturates: a budget cannot allow more disruptions than an i32 (the API's type) holds.
        i32::try_from((healthy - desired).max(0)).unwrap_or(i32::MAX)
    }

    /// The budgets (by index) that select a pod.
    pub fn budgets_of(&self, pod: PodId, budgets: &[DisruptionBudget]) -> Vec<usize> {
        let labels = self.pod_labels(self.pod(pod).rs);
        budgets
            .iter()
            .enumerate()
            .filter(|(_, b)| selects(&b.selector, &labels))
            .map(|(i, _)| i)
            .collect()
    }

    /// The Eviction API: `Err(budget name)` when a budget refuses, else the pod is marked for
    /// termination.
    pub fn evict(
        &mut self,
        pod: PodId,
        budgets: &[DisruptionBudget],
        scale: u32,
        now: crate::engine::SimTime,
    ) -> Result<bool, String> {
        for i in self.budgets_of(pod, budgets) {
            if self.disruptions_allowed(&budgets[i], scale) <= 0 {
                return Err(budgets[i].name.clone());
            }
        }
        Ok(self.terminate(pod, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PodTemplate;
    use crate::cluster::NewReplicaSet;
    use crate::engine::SimTime;

    fn cluster(ready: usize) -> (Cluster, Vec<PodId>) {
        let mut c = Cluster::default();
        let t = PodTemplate::from_json(serde_json::json!({"metadata": {"labels": {"app": "a"}},
                "spec": {"containers": [{"name": "a", "image": "x:1"}]}}));
        let rs = c.create_replica_set(
            NewReplicaSet {
                name: "a-h".into(),
                hash: "h".into(),
                template: t,
                revision: 1,
                min_ready_seconds: 0,
                desired_annotation: 4,
                experiment: None,
            },
            SimTime(0),
        );
        let pods: Vec<PodId> = (0..4)
            .map(|i| {
                c.add_pod(
                    rs,
                    smol_str::format_smolstr!("a-h-{i}"),
                    "x:1".into(),
                    SimTime(0),
                )
            })
            .collect();
        for p in pods.iter().take(ready) {
            c.mark_ready(*p, SimTime(1));
        }
        (c, pods)
    }

    fn budget(min: Option<IntOrString>, max: Option<IntOrString>) -> DisruptionBudget {
        DisruptionBudget {
            name: "pdb".into(),
            selector: BTreeMap::from([("app".into(), "a".into())]),
            min_available: min,
            max_unavailable: max,
        }
    }

    #[test]
    fn allowed_disruptions_follow_the_budget_kind() {
        let (c, _) = cluster(4);
        assert_eq!(
            c.disruptions_allowed(&budget(Some(IntOrString::Int(3)), None), 4),
            1
        );
        assert_eq!(
            c.disruptions_allowed(&budget(None, Some(IntOrString::Int(2))), 4),
            2
        );
        // 50% of 4 rounds up to 2 required.
        assert_eq!(
            c.disruptions_allowed(&budget(Some(IntOrString::Str("50%".into())), None), 4),
            2
        );
        let (c, _) = cluster(3);
        assert_eq!(
            c.disruptions_allowed(&budget(None, Some(IntOrString::Int(1))), 4),
            0
        );
    }

    #[test]
    fn eviction_is_refused_when_the_budget_is_spent() {
        let (mut c, pods) = cluster(4);
        let budgets = vec![budget(None, Some(IntOrString::Int(1)))];
        assert_eq!(c.evict(pods[0], &budgets, 4, SimTime(5)), Ok(true));
        assert_eq!(c.evict(pods[1], &budgets, 4, SimTime(5)), Err("pdb".into()));
        assert!(!selects(&BTreeMap::new(), &c.pod_labels(c.pod(pods[0]).rs)));
    }
}
