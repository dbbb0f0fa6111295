//! The `setHeaderRoute` and `setMirrorRoute` steps: named routes the controller adds to the
//! traffic router (`trafficRouting.managedRoutes`), and how they are written in messages.

use std::collections::BTreeMap;
use std::fmt;

/// How a string is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringMatch {
    /// `exact`: the whole string equals this.
    Exact(String),
    /// `prefix`: the string starts with this.
    Prefix(String),
    /// `regex`: the string matches this regular expression (as the router's engine reads it).
    Regex(String),
}

impl fmt::Display for StringMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StringMatch::Exact(v) => write!(f, "= {v:?}"),
            StringMatch::Prefix(v) => write!(f, "starts with {v:?}"),
            StringMatch::Regex(v) => write!(f, "~ /{v}/"),
        }
    }
}

/// One header condition of a header route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMatch {
    /// `headerName`.
    pub header: String,
    /// `headerValue`: how the header's value must match.
    pub value: StringMatch,
}

/// One rule of a mirror route: every part given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirrorMatch {
    /// `method`: the HTTP method, if constrained.
    pub method: Option<StringMatch>,
    /// `path`: the request path, if constrained.
    pub path: Option<StringMatch>,
    /// `headers`: header name to how its value must match.
    pub headers: BTreeMap<String, StringMatch>,
}

/// What a managed route does on the router.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteRule {
    /// Requests matching every header condition go to the canary.
    Header(Vec<HeaderMatch>),
    /// Requests matching any rule follow the weights as usual, and `percentage` % of them is
    /// also copied to the canary (the copy's answer is dropped).
    Mirror {
        /// `percentage` of matching requests copied, 0..=100.
        percentage: u32,
        /// `match`: the rules, any of which selects a request.
        matches: Vec<MirrorMatch>,
    },
}

/// `setHeaderRoute` / `setMirrorRoute`: set the named route, or remove it when no `match` is
/// given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteStep {
    /// The route's name, which must be listed in `trafficRouting.managedRoutes`.
    pub name: String,
    /// `None`: the step removes the route.
    pub rule: Option<RouteRule>,
}

impl RouteRule {
    /// `header` or `mirror`: the kind of route the journal records.
    pub fn kind(&self) -> &'static str {
        match self {
            RouteRule::Header(_) => "header",
            RouteRule::Mirror { .. } => "mirror",
        }
    }
}

impl fmt::Display for RouteRule {
    /// `header agent ~ /firefox(.*)/ -> canary`, `mirror 50% of POST /color... -> canary`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteRule::Header(ms) => {
                let conds: Vec<String> = ms
                    .iter()
                    .map(|m| format!("{} {}", m.header, m.value))
                    .collect();
                write!(f, "header {} -> canary", conds.join(" and "))
            }
            RouteRule::Mirror {
                percentage,
                matches,
            } => {
                let rules: Vec<String> = matches
                    .iter()
                    .map(|m| {
                        let mut parts = Vec::new();
                        if let Some(v) = &m.method {
                            parts.push(format!("method {v}"));
                        }
                        if let Some(v) = &m.path {
                            parts.push(format!("path {v}"));
                        }
                        for (h, v) in &m.headers {
                            parts.push(format!("{h} {v}"));
                        }
                        parts.join(" and ")
                    })
                    .collect();
                write!(
                    f,
                    "mirror {percentage}% of ({}) -> canary",
                    rules.join(") or (")
                )
            }
        }
    }
}
