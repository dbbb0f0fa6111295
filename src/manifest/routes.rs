//! The `setHeaderRoute` and `setMirrorRoute` steps: named routes the controller adds to the
//! traffic router (`trafficRouting.managedRoutes`), validated as Argo's `validation.go` does —
//! the router must support them (header routes: Istio, ALB, APISIX, plugins; mirror routes:
//! Istio only), `managedRoutes` must exist and list the route's name, and every string match
//! has exactly one of `exact`, `prefix`, `regex` (ALB header routes: `exact` only).

use std::collections::BTreeMap;

use crate::input::{DiagKind, FieldPath};

use crate::api::raw;
use crate::api::routes::{HeaderMatch, MirrorMatch, RouteRule, RouteStep, StringMatch};

use super::report::Report;

/// The routers a step supports, and the one the Rollout uses.
pub struct RouterContext<'a> {
    /// The Rollout's `trafficRouting` as written; `None` when it routes by replica counts.
    pub traffic_routing: Option<&'a raw::TrafficRouting>,
}

impl RouterContext<'_> {
    fn managed_routes(&self) -> Option<Vec<String>> {
        self.traffic_routing?.managed_routes.as_ref().map(|rs| {
            rs.iter()
                .map(|r| r.name.clone().unwrap_or_default())
                .collect()
        })
    }

    /// `managedRoutes` must be there and name the route.
    fn check_managed(&self, name: &str, p: &FieldPath, report: &mut Report) {
        match self.managed_routes() {
            None => report.error(
                p,
                DiagKind::Missing,
                "Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes' \
                 (a route step needs its route listed there)",
            ),
            Some(names) if !names.iter().any(|n| n == name) => report.error(
                &p.key("name"),
                DiagKind::InvalidValue,
                format!(
                    "route `{name}` is not in spec.strategy.canary.trafficRouting.managedRoutes \
                     (Steps define a route that does not exist in managedRoutes)"
                ),
            ),
            _ => {}
        }
    }
}

fn string_match(
    m: Option<&raw::StringMatch>,
    exact_only: bool,
    p: &FieldPath,
    report: &mut Report,
) -> Option<StringMatch> {
    let Some(m) = m else {
        report.error(
            p,
            DiagKind::Missing,
            "StringMatch value missed, match value must have one of the following: exact, regex, prefix",
        );
        return None;
    };
    let set = |v: &Option<String>| v.as_ref().filter(|s| !s.is_empty()).cloned();
    let (exact, prefix, regex) = (set(&m.exact), set(&m.prefix), set(&m.regex));
    if exact_only {
        if exact.is_none() || prefix.is_some() || regex.is_some() {
            report.error(
                p,
                DiagKind::InvalidValue,
                "SetHeaderRoute match value invalid. ALB supports 'exact' value only",
            );
            return None;
        }
        return exact.map(StringMatch::Exact);
    }
    let all = [
        exact.map(StringMatch::Exact),
        prefix.map(StringMatch::Prefix),
        regex.map(StringMatch::Regex),
    ];
    let mut given = all.into_iter().flatten();
    let first = given.next();
    if given.next().is_some() {
        report.error(
            p,
            DiagKind::InvalidValue,
            "StringMatch match value must have exactly one of the following: exact, regex, prefix",
        );
        return None;
    }
    if first.is_none() {
        report.error(
            p,
            DiagKind::Missing,
            "StringMatch value missed, match value must have one of the following: exact, regex, prefix",
        );
    }
    first
}

/// Converts `steps[i].setHeaderRoute`.
pub fn convert_header_route(
    h: &raw::SetHeaderRoute,
    p: &FieldPath,
    ctx: &RouterContext,
    report: &mut Report,
) -> Option<RouteStep> {
    let before = report.diags.items.len();
    let name = h.name.clone().unwrap_or_default();
    let tr = ctx.traffic_routing;
    let supported = tr.is_some_and(|t| {
        t.istio.is_some() || t.alb.is_some() || t.apisix.is_some() || t.plugins.is_some()
    });
    let mut rule = None;
    if !supported {
        report.error(
            p,
            DiagKind::InvalidValue,
            "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix (and \
             router plugins)",
        );
    } else {
        let alb = tr.is_some_and(|t| t.alb.is_some());
        let mut matches = Vec::new();
        for (j, m) in h.matches.iter().flatten().enumerate() {
            let mp = p.key("match").index(j);
            let header = m.header_name.clone().unwrap_or_default();
            if header.is_empty() {
                report.error(
                    &mp.key("headerName"),
                    DiagKind::Missing,
                    "a header match needs headerName",
                );
            }
            if let Some(value) =
                string_match(m.header_value.as_ref(), alb, &mp.key("headerValue"), report)
            {
                matches.push(HeaderMatch { header, value });
            }
        }
        if !matches.is_empty() {
            rule = Some(RouteRule::Header(matches));
        }
    }
    if tr.is_some() {
        ctx.check_managed(&name, p, report);
    }
    let had_errors = report.diags.items[before..].iter().any(|d| d.is_error());
    (!had_errors).then_some(RouteStep { name, rule })
}

/// Converts `steps[i].setMirrorRoute`.
pub fn convert_mirror_route(
    m: &raw::SetMirrorRoute,
    p: &FieldPath,
    ctx: &RouterContext,
    report: &mut Report,
) -> Option<RouteStep> {
    let before = report.diags.items.len();
    let name = m.name.clone().unwrap_or_default();
    let tr = ctx.traffic_routing;
    if tr.is_none_or(|t| t.istio.is_none()) {
        report.error(
            p,
            DiagKind::InvalidValue,
            "SetMirrorRoute requires TrafficRouting, supports Istio only",
        );
    }
    let percentage = report
        .count(&p.key("percentage"), m.percentage, 100)
        .unwrap_or(100);
    let mut matches = Vec::new();
    for (j, r) in m.matches.iter().flatten().enumerate() {
        let mp = p.key("match").index(j);
        let method = r
            .method
            .as_ref()
            .and_then(|v| string_match(Some(v), false, &mp.key("method"), report));
        let path = r
            .path
            .as_ref()
            .and_then(|v| string_match(Some(v), false, &mp.key("path"), report));
        let mut headers = BTreeMap::new();
        for (h, v) in r.headers.iter().flatten() {
            if let Some(v) = string_match(Some(v), false, &mp.key("headers").key(h), report) {
                headers.insert(h.clone(), v);
            }
        }
        matches.push(MirrorMatch {
            method,
            path,
            headers,
        });
    }
    if tr.is_some() {
        ctx.check_managed(&name, p, report);
    }
    // Argo removes the route when no match is given: matching everything would be unsafe.
    let rule = (m.matches.is_some() && !matches.is_empty()).then_some(RouteRule::Mirror {
        percentage,
        matches,
    });
    let had_errors = report.diags.items[before..].iter().any(|d| d.is_error());
    (!had_errors).then_some(RouteStep { name, rule })
}

#[cfg(test)]
mod tests {
    use crate::manifest::parse_text;

    use super::*;

    const ISTIO: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: demo}
spec:
  replicas: 5
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec:
      containers: [{name: demo, image: demo:1}]
  strategy:
    canary:
      canaryService: canary
      stableService: stable
      trafficRouting:
        managedRoutes: [{name: hdr}, {name: mirror}]
        istio: {virtualService: {name: vs, routes: [primary]}}
      steps:
      - setWeight: 20
      - setHeaderRoute:
          name: hdr
          match: [{headerName: agent, headerValue: {regex: firefox(.*)}}]
      - setMirrorRoute:
          name: mirror
          percentage: 35
          match: [{method: {exact: GET}, path: {prefix: /}}]
      - setHeaderRoute: {name: hdr}
";

    #[test]
    fn reads_header_and_mirror_routes() {
        let (m, _) = parse_text("x.yaml", ISTIO).expect("valid");
        let steps = &m.rollouts[0].spec.canary().unwrap().steps;
        let h = steps[1].set_header_route.as_ref().unwrap();
        assert_eq!(
            h.rule,
            Some(RouteRule::Header(vec![HeaderMatch {
                header: "agent".into(),
                value: StringMatch::Regex("firefox(.*)".into())
            }]))
        );
        let mirror = steps[2].set_mirror_route.as_ref().unwrap();
        assert!(matches!(
            mirror.rule,
            Some(RouteRule::Mirror { percentage: 35, .. })
        ));
        assert_eq!(steps[3].set_header_route.as_ref().unwrap().rule, None);
    }

    fn errors(text: &str) -> Vec<String> {
        let e = parse_text("x.yaml", text).expect_err("invalid");
        e.0.errors()
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect()
    }

    #[test]
    fn upstream_rules_for_routes() {
        let unknown = ISTIO.replace("name: hdr}\n", "name: typo}\n");
        assert!(
            errors(&unknown)
                .iter()
                .any(|e| e.contains("steps[3].setHeaderRoute.name") && e.contains("`typo`")),
            "{:?}",
            errors(&unknown)
        );
        let no_managed =
            ISTIO.replace("        managedRoutes: [{name: hdr}, {name: mirror}]\n", "");
        assert!(
            errors(&no_managed)
                .iter()
                .any(|e| e.contains("managedRoutes")),
            "{:?}",
            errors(&no_managed)
        );
        let two = ISTIO.replace("{regex: firefox(.*)}", "{regex: a, exact: b}");
        assert!(errors(&two).iter().any(|e| e.contains("exactly one")));
        let nginx = ISTIO.replace(
            "istio: {virtualService: {name: vs, routes: [primary]}}",
            "nginx: {stableIngress: x}",
        );
        let errs = errors(&nginx);
        assert!(
            errs.iter()
                .any(|e| e.contains("SetHeaderRoute requires TrafficRouting")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("SetMirrorRoute requires TrafficRouting, supports Istio only")),
            "{errs:?}"
        );
    }
}
