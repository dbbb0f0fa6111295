//! Service selectors (upstream `rollout/service.go`): the stable Service follows the stable
//! ReplicaSet and the canary Service the new one, switched only once the target has available
//! pods (all of them when a Service is adopted for the first time).

use super::context::{RsView, Write};
use super::controller::Ctx;
use smol_str::SmolStr;

impl Ctx<'_> {
    /// `reconcileStableAndCanaryService`. Inline: without Services to follow it does next to
    /// nothing, cheaper than a call.
    #[inline(always)]
    pub(super) fn reconcile_stable_and_canary_service(&mut self) {
        // The strategy outlives the context's borrow: its names are read, not copied.
        let canary = self.canary;
        let stable_svc = canary.stable_service.as_deref();
        let canary_svc = canary.canary_service.as_deref();
        self.ensure_svc_targets(stable_svc, self.stable_rs, true);
        if self.pause.is_aborted() && !self.routed() {
            // An aborted basic canary sends the canary Service back to the stable pods.
            self.ensure_svc_targets(canary_svc, self.stable_rs, true);
            return;
        }
        // Back to an undersized stable with dynamicStableScale: the canary Service keeps the
        // interrupted update's pods until the stable can take their traffic.
        if self.dynamically_rolling_back_to_stable().is_some() {
            return;
        }
        self.ensure_svc_targets(canary_svc, self.new_rs, true);
    }

    /// `ensureSVCTargets`: point a Service's pod-template-hash selector at `rs`, once `rs` has
    /// an available pod (all of them, when the Service is adopted for the first time).
    #[inline]
    pub(super) fn ensure_svc_targets(
        &mut self,
        svc: Option<&str>,
        rs: Option<&RsView>,
        check: bool,
    ) {
        // Most rollouts name no canary or stable Service: that case is decided where it is
        // asked, without a call.
        if let (Some(svc), Some(rs)) = (svc, rs) {
            self.ensure_svc_target(svc, rs, check);
        }
    }

    /// [`Ctx::ensure_svc_targets`] for a named Service and an existing ReplicaSet. Kept out of
    /// line, so that its callers stay small enough to inline.
    #[inline(never)]
    fn ensure_svc_target(&mut self, svc: &str, rs: &RsView, check: bool) {
        let Some(view) = self.services().get(svc) else {
            return;
        };
        if self.service_selector(svc).as_deref() == Some(rs.hash.as_str()) {
            return;
        }
        let managed = view.managed || self.switched_selector(svc).is_some();
        if check && !managed && !rs.fully_available() {
            return;
        }
        if check && rs.available == 0 {
            return;
        }
        self.switch_service(svc, &rs.hash);
    }

    /// A selector switched earlier in this same reconcile.
    pub(super) fn switched_selector(&self, svc: &str) -> Option<SmolStr> {
        self.plan.writes.iter().rev().find_map(|a| match a {
            Write::SwitchService { service, to, .. } if service == svc => Some(to.clone()),
            _ => None,
        })
    }
}
