//! Reading a scenario file into a validated `Scenario`: the raw mirror for the plain parts, the
//! positioned tree for script items, durations and inline objects, and the manifests it names
//! (relative to the scenario's folder). A file of Kubernetes manifests runs the default scenario.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::api::IntOrString;
use crate::engine::{SimDuration, parse_duration, time::DurationError};
use crate::input::de::{from_node, unknown_key_message};
use crate::input::source::{self, Source};
use crate::input::yaml::{Value, parse_documents};
use crate::input::{DiagKind, Diagnostics, FieldPath, InputError, Node};
use crate::manifest::{self, Manifests, Report};
use crate::rollout::Phase;

use super::condition::{Expectation, RoleCountsExpect, Roles};
use super::{
    AppModel, ClusterConfig, Invariant, NodeModel, PodTarget, Scenario, ScriptAction, ScriptItem,
    Startup, metrics, raw,
};

/// Options that change how a file is loaded.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// For a bare manifest: how long after an indefinite pause starts the default scenario
    /// promotes it.
    pub auto_promote: SimDuration,
    /// For bare manifests holding several Rollouts: the one to run (`--rollout NAME`).
    pub rollout: Option<String>,
    /// `--metric NAME=VALUE`: models that replace (in a scenario) or supply (for a bare
    /// manifest) the model of a metric.
    pub metrics: BTreeMap<String, metrics::MetricModel>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            auto_promote: SimDuration::from_secs(30),
            rollout: None,
            metrics: BTreeMap::new(),
        }
    }
}

const DEFAULT_START: &str = "2025-01-01T00:00:00Z";
/// The timeout of a scenario that gives none (a bare manifest's horizon is computed instead).
const DEFAULT_TIMEOUT: SimDuration = SimDuration(24 * 3600 * 1000);

const ACTIONS: &[&str] = &[
    "wait",
    "expect",
    "setImage",
    "apply",
    "promote",
    "abort",
    "retry",
    "pause",
    "resume",
    "restart",
    "scale",
    "undo",
    "deletePod",
    "evictPod",
    "failNode",
];

/// Loads a scenario (or a bare manifest, as the default scenario) with default options.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    load_with_options(path, &LoadOptions::default())
}

/// Loads a scenario (or a bare manifest) with the command line's options applied.
pub fn load_with_options(path: &Path, opts: &LoadOptions) -> Result<Scenario, InputError> {
    let sources = source::gather(&[path.to_path_buf()])?;
    load_sources(&sources, opts)
}

/// Loads a scenario (or manifests) from `text` as if it were the file at `path`: relative
/// paths inside it are resolved from that file's folder. `sweep` loads its variants so.
pub fn load_text(path: &Path, text: &str, opts: &LoadOptions) -> Result<Scenario, InputError> {
    let src = Source {
        display: path.to_string_lossy().to_string(),
        path: Some(path.to_path_buf()),
        text: text.to_string(),
        in_folder: false,
    };
    load_sources(std::slice::from_ref(&src), opts)
}

/// Whether parsed documents are Kubernetes manifests (some document has a `kind`) rather
/// than a scenario.
pub fn is_manifest(docs: &[crate::input::Document]) -> bool {
    docs.iter().any(|d| d.root.get("kind").is_some())
}

/// The top-level keys of a scenario; a mapping with none of them is some other YAML file.
const SCENARIO_KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "start",
    "timeout",
    "manifests",
    "objects",
    "cluster",
    "apps",
    "traffic",
    "metrics",
    "script",
    "invariants",
    "expect",
    "autoPromote",
];

/// Why a file found in a folder is not a scenario (Kubernetes manifests, or a companion file
/// such as Helm values), or `None` when it is one — or may be: a file that cannot be read or
/// parsed is left to the loader, which says what is wrong with it.
pub fn not_a_scenario(path: &Path) -> Option<&'static str> {
    let display = path.to_string_lossy();
    let text = source::read_file(path, &display).ok()?;
    let docs = parse_documents(&display, &text).ok()?;
    if is_manifest(&docs) {
        return Some("Kubernetes manifests, not a scenario (`rollout-sim run FILE` runs them)");
    }
    if scenario_like(&docs) {
        None
    } else {
        Some("not a scenario (it has none of the keys name, manifests, objects, script, ...)")
    }
}

/// Whether an input read from the command line is a scenario (rather than manifests or a
/// companion file). Text that does not parse is not one: loading it reports why.
pub fn is_scenario_source(src: &Source) -> bool {
    parse_documents(&src.display, &src.text)
        .is_ok_and(|docs| !is_manifest(&docs) && scenario_like(&docs))
}

/// Whether the first document looks like a scenario: it has one of the keys that make one
/// (`manifests`, `objects`, `script`), or at least half of its top-level keys are scenario
/// keys (so a scenario with a misspelt key is still read, and its typo reported). An
/// `apiVersion` says it is not one: Helm's `Chart.yaml` has `apiVersion` and `name` but no
/// `kind`; a CI workflow (`name`, `on`, `jobs`) shares only `name`.
fn scenario_like(docs: &[crate::input::Document]) -> bool {
    docs.first().is_some_and(|d| match &d.root.value {
        Value::Map(entries) => {
            let has = |key: &str| entries.iter().any(|(k, _)| k.as_str() == Some(key));
            let known = entries
                .iter()
                .filter(|(k, _)| k.as_str().is_some_and(|k| SCENARIO_KEYS.contains(&k)))
                .count();
            !has("apiVersion")
                && (["manifests", "objects", "script"].iter().any(|k| has(k))
                    || (known > 0 && 2 * known >= entries.len()))
        }
        _ => false,
    })
}

/// Where a document that is a bare `spec:` (no `kind`, none of a scenario's keys) has it: a
/// snippet of an object's spec, which read as a scenario would only get "unknown key".
fn headerless_spec(root: &Node) -> Option<crate::input::Pos> {
    let Value::Map(entries) = &root.value else {
        return None;
    };
    let scenario_key = entries
        .iter()
        .any(|(k, _)| k.as_str().is_some_and(|k| SCENARIO_KEYS.contains(&k)));
    if scenario_key || root.get("kind").is_some() {
        return None;
    }
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some("spec"))
        .map(|(k, _)| k.pos)
}

/// Why a file found in a folder is left out of a run: it is neither manifests (no `kind`) nor
/// a scenario, so a companion file such as `kustomization.yaml` or Helm's `values.yaml`.
fn companion_file(src: &Source, docs: &[crate::input::Document]) -> Option<String> {
    if !src.in_folder || is_manifest(docs) || scenario_like(docs) {
        return None;
    }
    let kustomization = src
        .path
        .as_deref()
        .and_then(Path::file_stem)
        .is_some_and(|n| n.to_string_lossy().ends_with("kustomization"));
    let dir = src
        .path
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| ".".to_string(), |d| d.display().to_string());
    Some(if kustomization {
        format!(
            "skipped: a kustomization, not a manifest: render it with `kustomize build {dir} | \
             rollout-sim run -`"
        )
    } else {
        "skipped: neither a Kubernetes manifest (no `kind`) nor a scenario (such as Helm's \
         values.yaml): render charts with `helm template` first"
            .to_string()
    })
}

fn file_error(file: &str, kind: DiagKind, msg: impl Into<String>) -> InputError {
    InputError::single(crate::input::Diagnostic::error(
        file,
        None,
        &FieldPath::root(),
        kind,
        msg,
    ))
}

/// Loads what the command line named: one scenario file, or any number of manifest files
/// (several files, folders, standard input) that together run the default scenario.
pub fn load_sources(sources: &[Source], opts: &LoadOptions) -> Result<Scenario, InputError> {
    let Some(first) = sources.first() else {
        return Err(file_error(
            "(inputs)",
            DiagKind::Missing,
            "no input: name a scenario, manifest files, a folder, or `-` for standard input",
        ));
    };
    let mut diags = Diagnostics::default();
    let mut parsed = Vec::new();
    for src in sources {
        match parse_documents(&src.display, &src.text) {
            Ok(docs) => match companion_file(src, &docs) {
                Some(why) => diags.push(input_note(&src.display, why)),
                None => parsed.push((src, docs)),
            },
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        return Err(InputError(diags));
    }
    // Skipped companion files name nothing: the first input read is the one that counts.
    let first = parsed.first().map_or(first, |(src, _)| *src);
    // Which inputs are scenarios: none (manifests only), or the first one, which the other
    // inputs then add manifests to (`run scenario.yaml more-templates.yaml`).
    let scenario_at: Vec<usize> = (0..parsed.len())
        .filter(|&i| !is_manifest(&parsed[i].1))
        .collect();
    let scenario = if scenario_at == [0] {
        let (src, docs) = &parsed[0];
        let path = src.base_path();
        if opts.rollout.is_some() {
            return Err(file_error(
                &src.display,
                DiagKind::InvalidValue,
                "--rollout picks a Rollout among manifests; a scenario names its own in `manifests:`",
            ));
        }
        let mut extra = Manifests::default();
        let named = files_named_by(&path, docs);
        for (src, docs) in &parsed[1..] {
            // A file the scenario names in `manifests:` and the command line names again is
            // the same document, read once (as `gather` reads a file named twice once).
            if src
                .path
                .as_deref()
                .is_some_and(|p| named.contains(&canonical(p)))
            {
                continue;
            }
            extra.merge(manifest::parse_documents_into(
                &src.display,
                docs,
                &mut diags,
            ));
        }
        match docs.as_slice() {
            [] => {
                return Err(InputError::single(crate::input::Diagnostic::error(
                    &src.display,
                    // Line 1 gives editors and CI logs a place to link to, as for every other
                    // refusal.
                    Some(crate::input::Pos { line: 1, col: 1 }),
                    &FieldPath::root(),
                    DiagKind::Missing,
                    "the file is empty: expected a scenario or a Rollout manifest",
                )));
            }
            [one] if headerless_spec(&one.root).is_some() => {
                return Err(InputError::single(crate::input::Diagnostic::error(
                    &src.display,
                    headerless_spec(&one.root),
                    &FieldPath::root().key("spec"),
                    DiagKind::Missing,
                    "this is the `spec` of an object without its header (documentation snippets \
                     often start there): for a Rollout, write `apiVersion: argoproj.io/v1alpha1`, \
                     `kind: Rollout` and `metadata: {name: NAME}` above it, and the rest of the \
                     spec the snippet leaves out",
                )));
            }
            [one] => convert(&path, &src.display, &one.root, opts, extra, &mut diags),
            [_, second, ..] => {
                let mut r = Report::new(&src.display, &second.root);
                r.error(
                    &FieldPath::root(),
                    DiagKind::InvalidValue,
                    "a scenario file holds a single YAML document",
                );
                diags.extend(r.diags);
                None
            }
        }
    } else if let Some(&i) = scenario_at.iter().find(|&&i| i > 0) {
        return Err(file_error(
            &parsed[i].0.display,
            DiagKind::InvalidValue,
            "this is not a Kubernetes manifest (no document has a `kind`): one scenario runs at \
             a time, named first, optionally followed by extra manifest files",
        ));
    } else {
        note_duplicate_objects(&parsed, &mut diags);
        // `--rollout` skips the other Rollouts as they are read.
        let pick = opts.rollout.as_deref();
        let mut m = Manifests::default();
        for (src, docs) in &parsed {
            m.merge(manifest::parse_documents_picking(
                &src.display,
                docs,
                pick,
                &mut diags,
            ));
        }
        m.keep_last_of_each_name();
        let name = match sources {
            [one] if one.path.is_some() => Some(stem(&one.base_path())),
            _ => None,
        };
        // File-level problems (no Rollout, several) point at the first document.
        let at = parsed
            .iter()
            .find_map(|(_, docs)| docs.first())
            .map(|d| d.root.pos);
        default_scenario(first, at, name, m, &parsed, opts, &mut diags)
    };
    match scenario {
        Some(mut s) if !diags.has_errors() => {
            s.resolve_times();
            s.notes = diags.notes().cloned().collect();
            Ok(s)
        }
        _ => {
            // Every refusal names at least one problem: a path that returned nothing without
            // saying why would leave the user with exit 2 and an empty message.
            if !diags.has_errors() {
                let at = parsed
                    .first()
                    .and_then(|(_, docs)| docs.first())
                    .map(|d| d.root.pos);
                diags.push(crate::input::Diagnostic::error(
                    &first.display,
                    at,
                    &FieldPath::root(),
                    DiagKind::InvalidValue,
                    "the file could not be read as a scenario or a Rollout manifest",
                ));
            }
            Err(InputError(diags))
        }
    }
}

/// `FILE:LINE` of each document of `file` defining the Rollout `name` (the file alone when
/// it cannot be read again).
fn rollout_places_in(file: &Path, name: &str) -> Vec<String> {
    let display = file.to_string_lossy();
    let lines: Vec<u32> = crate::input::yaml::read_text(file, &display)
        .ok()
        .and_then(|text| parse_documents(&display, &text).ok())
        .map(|docs| {
            let source = Source {
                display: display.to_string(),
                path: None,
                text: String::new(),
                in_folder: false,
            };
            rollout_places(&[(&source, docs)], name)
                .iter()
                .map(|(_, p)| p.line)
                .collect()
        })
        .unwrap_or_default();
    if lines.is_empty() {
        return vec![display.to_string()];
    }
    lines.iter().map(|l| format!("{display}:{l}")).collect()
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The files a scenario's `manifests:` names, resolved from its folder as `convert` reads them.
fn files_named_by(scenario: &Path, docs: &[crate::input::Document]) -> Vec<PathBuf> {
    let dir = scenario.parent().map(Path::to_path_buf).unwrap_or_default();
    let Some(Value::Seq(items)) = docs
        .first()
        .and_then(|d| d.root.get("manifests"))
        .map(|m| &m.value)
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| i.as_str())
        .map(|rel| canonical(&dir.join(rel)))
        .collect()
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "scenario".to_string())
}

/// The default scenario of bare manifests: apply, wait Healthy, change the first container's
/// image, promote indefinite pauses after a delay, stop when Healthy again. What the manifests
/// leave out and a cluster would have (the Services the Rollout names, a metrics provider) is
/// filled in, each with a note.
fn default_scenario(
    first: &Source,
    at: Option<crate::input::Pos>,
    name: Option<String>,
    mut manifests: Manifests,
    parsed: &[(&Source, Vec<crate::input::Document>)],
    opts: &LoadOptions,
    diags: &mut Diagnostics,
) -> Option<Scenario> {
    // A Rollout that failed validation has already been reported; "no Rollout" would mislead.
    if diags.has_errors() {
        return None;
    }
    let file = &first.display;
    pick_rollout(
        &mut manifests,
        parsed,
        file,
        at,
        opts.rollout.as_deref(),
        diags,
    )?;
    create_services(&mut manifests, parsed, file, diags);
    let models = assume_metrics(&manifests, file, &opts.metrics, diags);
    metrics::check_analysis(&manifests, &models, &metrics::Later::default(), diags);
    for r in &manifests.rollouts {
        refuse_invalid_spec(r, diags);
    }
    check_router_references(&[&manifests], diags);
    refuse_second_namespace(&[&manifests], diags);
    if diags.has_errors() {
        return None;
    }
    let rollout = manifests.rollouts.first()?;
    let container = rollout.spec.template.containers().first()?.clone();
    let next = default_next_image(&container.image);
    let healthy = Expectation {
        phase: Some(Phase::Healthy),
        ..Default::default()
    };
    let script = vec![
        ScriptItem::new(0, ScriptAction::WaitUntil(healthy.clone())),
        ScriptItem::new(
            0,
            ScriptAction::SetImage {
                container: Some(container.name.to_string()),
                image: next,
            },
        ),
        ScriptItem::new(
            0,
            ScriptAction::WaitUntil(Expectation {
                revision: Some(2),
                ..healthy
            }),
        ),
    ];
    let timeout = super::horizon::default_horizon(rollout, &manifests.templates, opts.auto_promote);
    Some(Scenario {
        name: name.unwrap_or_else(|| rollout.name.clone()),
        description: format!(
            "Default scenario of {}: deploy, change the image, promote indefinite pauses after {}.",
            rollout.name, opts.auto_promote
        ),
        seed: 0,
        start: DateTime::parse_from_rfc3339(DEFAULT_START)
            .ok()?
            .with_timezone(&Utc),
        timeout,
        file: first.base_path(),
        manifests,
        cluster: ClusterConfig::default(),
        apps: Vec::new(),
        script,
        invariants: Vec::new(),
        expect: Some(Expectation {
            phase: Some(Phase::Healthy),
            ..Default::default()
        }),
        expect_line: 0,
        expect_text: Default::default(),
        auto_promote: Some(opts.auto_promote),
        from_manifest: true,
        traffic: None,
        metrics: models,
        route_matches: BTreeMap::new(),
        notes: Vec::new(),
    })
}

fn input_note(file: &str, msg: impl Into<String>) -> crate::input::Diagnostic {
    crate::input::Diagnostic::note(file, None, &FieldPath::root(), msg)
}

/// Kinds whose objects the run looks up by name. One name given twice is one object applied
/// twice: `kubectl apply -f` applies the documents in order, so the last one is what the
/// cluster holds (the upstream Linkerd example defines its `load-test` template twice).
/// Rollouts are checked where one is picked: two versions of the Rollout under test are more
/// likely a mistake than an intent.
const LOOKED_UP_BY_NAME: [&str; 5] = [
    "Service",
    "PodDisruptionBudget",
    "AnalysisTemplate",
    "ClusterAnalysisTemplate",
    "Secret",
];

/// Notes an object of one kind and name given more than once among manifests given
/// together, naming the places (the items of a `List` count as documents): the last is used.
fn note_duplicate_objects(
    parsed: &[(&Source, Vec<crate::input::Document>)],
    diags: &mut Diagnostics,
) {
    let text = |n: &Node, k: &str| n.get(k).and_then(Node::as_str).map(str::to_string);
    // (kind, name) -> the places it is defined, in input order.
    let mut seen: BTreeMap<(String, String), Vec<(String, crate::input::Pos)>> = BTreeMap::new();
    let mut order = Vec::new();
    for (src, docs) in parsed {
        for doc in docs {
            let items: Vec<&Node> = match (&doc.root.get("items"), text(&doc.root, "kind")) {
                (
                    Some(Node {
                        value: Value::Seq(items),
                        ..
                    }),
                    Some(k),
                ) if k.ends_with("List") => items.iter().collect(),
                _ => vec![&doc.root],
            };
            for obj in items {
                let (Some(kind), Some(meta)) = (text(obj, "kind"), obj.get("metadata")) else {
                    continue;
                };
                let Some(name_node) = meta.get("name") else {
                    continue;
                };
                let Some(name) = name_node.as_str().map(str::to_string) else {
                    continue;
                };
                if !LOOKED_UP_BY_NAME.contains(&kind.as_str()) {
                    continue;
                }
                let key = (kind, name);
                let places = seen.entry(key.clone()).or_default();
                if places.is_empty() {
                    order.push(key);
                }
                places.push((src.display.clone(), name_node.pos));
            }
        }
    }
    for key in order {
        let places = &seen[&key];
        if places.len() < 2 {
            continue;
        }
        let (kind, name) = &key;
        let listed: Vec<String> = places
            .iter()
            .map(|(file, pos)| format!("{file}:{}", pos.line))
            .collect();
        let (file, pos) = &places[places.len() - 1];
        diags.push(crate::input::Diagnostic::note(
            file,
            Some(*pos),
            &FieldPath::root().key("metadata").key("name"),
            format!(
                "{kind} `{name}` is given {} times ({}): the last one is used, as `kubectl \
                 apply` leaves it",
                places.len(),
                listed.join(", ")
            ),
        ));
    }
}

/// Where the Rollout `name` is written among the inputs: each file and document start.
fn rollout_places(
    parsed: &[(&Source, Vec<crate::input::Document>)],
    name: &str,
) -> Vec<(String, crate::input::Pos)> {
    parsed
        .iter()
        .flat_map(|(src, docs)| {
            docs.iter()
                .filter(|d| {
                    d.root.get("kind").and_then(Node::as_str) == Some("Rollout")
                        && d.root
                            .get("metadata")
                            .and_then(|m| m.get("name"))
                            .and_then(Node::as_str)
                            == Some(name)
                })
                .map(|d| (src.display.clone(), d.root.pos))
        })
        .collect()
}

/// The names of the Rollouts among the documents (and the items of their `List`s), in input
/// order.
fn rollout_names_written(parsed: &[(&Source, Vec<crate::input::Document>)]) -> Vec<String> {
    fn walk(n: &Node, out: &mut Vec<String>) {
        match n.get("kind").and_then(Node::as_str) {
            Some("Rollout") => out.extend(
                n.get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Node::as_str)
                    .map(str::to_string),
            ),
            Some(k) if k.ends_with("List") => {
                if let Some(Node {
                    value: Value::Seq(items),
                    ..
                }) = n.get("items")
                {
                    items.iter().for_each(|i| walk(i, out));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (_, docs) in parsed {
        docs.iter().for_each(|d| walk(&d.root, &mut out));
    }
    out
}

/// Keeps the one Rollout to run: the only one, or the one `--rollout` names. Several without
/// `--rollout` is an error listing them, so the user can pick.
fn pick_rollout(
    m: &mut Manifests,
    parsed: &[(&Source, Vec<crate::input::Document>)],
    file: &str,
    at: Option<crate::input::Pos>,
    wanted: Option<&str>,
    diags: &mut Diagnostics,
) -> Option<()> {
    let names: Vec<String> = m.rollouts.iter().map(|r| r.name.clone()).collect();
    // One name twice is one object applied twice with different contents: which one a
    // cluster would keep depends on the order of `kubectl apply`, so neither is guessed, and
    // `--rollout` cannot tell them apart either.
    let twice = names
        .iter()
        .find(|n| names.iter().filter(|o| o == n).count() > 1)
        .filter(|n| wanted.is_none_or(|w| w == n.as_str()));
    if let Some(name) = twice {
        let places: Vec<String> = rollout_places(parsed, name)
            .into_iter()
            .map(|(file, pos)| format!("{file}:{}", pos.line))
            .collect();
        diags.push(crate::input::Diagnostic::error(
            file,
            at,
            &FieldPath::root(),
            DiagKind::InvalidValue,
            format!(
                "Rollout `{name}` is defined more than once ({}): keep one of them in the input",
                if places.is_empty() {
                    "in the input".to_string()
                } else {
                    places.join(" and ")
                }
            ),
        ));
        return None;
    }
    let fail = |diags: &mut Diagnostics, kind, msg: String| {
        diags.push(crate::input::Diagnostic::error(
            file,
            at,
            &FieldPath::root(),
            kind,
            msg,
        ));
        None
    };
    match (names.as_slice(), wanted) {
        // The others were skipped as they were read (`parse_documents_picking`).
        ([], Some(w)) if !rollout_names_written(parsed).is_empty() => fail(
            diags,
            DiagKind::Reference,
            format!(
                "--rollout {w}: no Rollout of that name in the input (found: {})",
                rollout_names_written(parsed).join(", ")
            ),
        ),
        ([], _) => {
            // A misspelt kind is skipped like any other; name it here, where it matters.
            let typo = parsed.iter().find_map(|(src, docs)| {
                docs.iter().find_map(|d| {
                    let kind = d.root.get("kind").and_then(Node::as_str)?;
                    (kind != "Rollout" && crate::input::de::edit_distance(kind, "Rollout") <= 2)
                        .then(|| {
                            format!(
                                " (`kind: {kind}` at {}:{}: did you mean `Rollout`?)",
                                src.display, d.root.pos.line
                            )
                        })
                })
            });
            fail(
                diags,
                DiagKind::Missing,
                format!(
                    "no Rollout found in the input: a run needs exactly one Rollout{}",
                    typo.unwrap_or_default()
                ),
            )
        }
        ([_], None) => Some(()),
        (_, None) => fail(
            diags,
            DiagKind::InvalidValue,
            format!(
                "{} Rollouts in the input ({}): pick one with --rollout NAME",
                names.len(),
                names.join(", ")
            ),
        ),
        (_, Some(w)) => {
            if !names.iter().any(|n| n == w) {
                return fail(
                    diags,
                    DiagKind::Reference,
                    format!(
                        "--rollout {w}: no Rollout of that name in the input (found: {})",
                        names.join(", ")
                    ),
                );
            }
            if names.iter().filter(|n| *n == w).count() > 1 {
                return fail(
                    diags,
                    DiagKind::InvalidValue,
                    format!("--rollout {w}: the input holds two Rollouts of that name"),
                );
            }
            for other in names.iter().filter(|n| *n != w) {
                let msg = format!("skipped Rollout `{other}`: --rollout picked `{w}`");
                diags.push(match rollout_places(parsed, other).first() {
                    Some((at_file, pos)) => {
                        crate::input::Diagnostic::note(at_file, Some(*pos), &FieldPath::root(), msg)
                    }
                    None => input_note(file, msg),
                });
            }
            m.rollouts.retain(|r| r.name == w);
            Some(())
        }
    }
}

/// The Services a Rollout names (its role, then the name), in the order of its spec.
fn services_named(r: &crate::api::Rollout) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(c) = r.spec.canary() {
        out.extend(c.stable_service.clone().map(|s| ("stableService", s)));
        out.extend(c.canary_service.clone().map(|s| ("canaryService", s)));
    }
    if let Some(b) = r.spec.blue_green() {
        out.push(("activeService", b.active_service.clone()));
        out.extend(b.preview_service.clone().map(|s| ("previewService", s)));
    }
    out.retain(|(_, s)| !s.is_empty());
    out
}

/// Where the Rollout named `name` sets `spec.strategy.<strategy>.<field>`: its file, and the
/// position of the field when the document is found.
fn rollout_field(
    parsed: &[(&Source, Vec<crate::input::Document>)],
    name: &str,
    path: &[&str],
) -> Option<(String, Option<crate::input::Pos>)> {
    parsed.iter().find_map(|(src, docs)| {
        let doc = docs.iter().find(|d| {
            d.root.get("kind").and_then(Node::as_str) == Some("Rollout")
                && d.root
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Node::as_str)
                    == Some(name)
        })?;
        let field = path.iter().try_fold(&doc.root, |n, k| n.get(k));
        Some((src.display.clone(), field.map(|f| f.pos)))
    })
}

/// The Service of the input nearest in name to `wanted`, close enough to be a typo of it.
fn near_service<'a>(wanted: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let (d, best) = candidates
        .iter()
        .map(|c| (crate::input::de::edit_distance(wanted, c), *c))
        .min()?;
    (d > 0 && (d <= 2 || (d <= 3 && wanted.len() > 8))).then_some(best)
}

/// Creates the Services the Rollout names and no input gives, selecting the Rollout's pods
/// as a cluster's Service for it would; a Service given in the input always wins. The note
/// points at the Rollout's field that names the Service, with the input's Service of a near
/// name when there is one (a typo is the likely cause).
fn create_services(
    m: &mut Manifests,
    parsed: &[(&Source, Vec<crate::input::Document>)],
    file: &str,
    diags: &mut Diagnostics,
) {
    let Some(r) = m.rollouts.first() else {
        return;
    };
    let named = services_named(r);
    // Services of the input the Rollout names under no role: candidates for a typo.
    let unused: Vec<&str> = m
        .services
        .iter()
        .map(|s| s.name.as_str())
        .filter(|s| !named.iter().any(|(_, n)| n == s))
        .collect();
    let strategy = if r.spec.canary().is_some() {
        "canary"
    } else {
        "blueGreen"
    };
    let mut created = Vec::new();
    for (role, name) in &named {
        if m.services.iter().any(|s| &s.name == name)
            || created
                .iter()
                .any(|s: &crate::api::Service| &s.name == name)
        {
            continue;
        }
        let selector = r.spec.selector.clone();
        let labels: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let field = ["spec", "strategy", strategy, role];
        let (at_file, pos) =
            rollout_field(parsed, &r.name, &field).unwrap_or_else(|| (file.to_string(), None));
        let mut path = FieldPath::root();
        for k in field {
            path = path.key(k);
        }
        let hint = near_service(name, &unused)
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        diags.push(crate::input::Diagnostic::note(
            &at_file,
            pos,
            &path,
            format!(
                "Service `{name}` ({role} of Rollout `{}`) is in no input: created, selecting \
                 {}{hint}",
                r.name,
                labels.join(",")
            ),
        ));
        created.push(crate::api::Service {
            name: name.clone(),
            selector,
        });
    }
    m.services.extend(created);
}

/// The metric models of a bare manifest: `--metric` values, and for every other metric
/// whose provider rollout-sim cannot query, a model that passes, said once per metric.
fn assume_metrics(
    m: &Manifests,
    file: &str,
    given: &BTreeMap<String, metrics::MetricModel>,
    diags: &mut Diagnostics,
) -> BTreeMap<String, metrics::MetricModel> {
    let used = metrics::metrics_used(m);
    check_metric_args(&used, &[], file, given, diags);
    let mut models = jobs_keep_their_time(given, &used);
    for u in used {
        if models.contains_key(&u.name) {
            continue;
        }
        let how = if u.provider == crate::api::analysis::ProviderKind::Job {
            // A job metric already has a stand-in: a Job that succeeds after a few seconds.
            "no model, its Job assumed to succeed after 5s"
        } else {
            models.insert(
                u.name.clone(),
                metrics::MetricModel::Assumed(crate::analysis::run::AnalysisPhase::Successful),
            );
            "no model, assumed Successful"
        };
        diags.push(crate::input::Diagnostic::note(
            &u.origin.file,
            u.origin.position(),
            &FieldPath::root(),
            format!(
                "metric {} ({} provider): {how}; --metric {}=fail to try a failure",
                u.name,
                u.provider.key(),
                u.name
            ),
        ));
    }
    models
}

/// Checks the `--metric` values against the metrics the analyses measure (`used`, plus
/// `modelled`: those a scenario models, which its script may bring in later): a name none of
/// them has is refused, as is a value the metric's provider could never return (a Prometheus
/// query returns numbers, so a string would be judged as no query result can be).
fn check_metric_args(
    used: &[metrics::MetricUse],
    modelled: &[&str],
    file: &str,
    given: &BTreeMap<String, metrics::MetricModel>,
    diags: &mut Diagnostics,
) {
    let error = |diags: &mut Diagnostics, kind, msg: String| {
        diags.push(crate::input::Diagnostic::error(
            file,
            None,
            &FieldPath::root(),
            kind,
            msg,
        ));
    };
    for (name, model) in given {
        let Some(u) = used.iter().find(|u| &u.name == name) else {
            if modelled.contains(&name.as_str()) {
                continue;
            }
            let known: Vec<&str> = used.iter().map(|u| u.name.as_str()).collect();
            error(
                diags,
                DiagKind::Reference,
                format!(
                    "--metric {name}: the Rollout's analyses measure no metric of that name ({})",
                    if known.is_empty() {
                        "they measure none".to_string()
                    } else {
                        format!("metrics: {}", known.join(", "))
                    }
                ),
            );
            continue;
        };
        let numeric = |v: &crate::analysis::expr::Value| {
            matches!(
                v,
                crate::analysis::expr::Value::Int(_) | crate::analysis::expr::Value::Float(_)
            )
        };
        if u.provider == crate::api::analysis::ProviderKind::Prometheus
            && let metrics::MetricModel::Value(v) = model
            && !numeric(v)
        {
            error(
                diags,
                DiagKind::InvalidValue,
                format!(
                    "--metric {name}={v}: metric `{name}` is a prometheus query, whose result \
                     is a vector of numbers: give a finite number (it becomes `result[0]`), or \
                     pass, fail, error or inconclusive (a NaN or infinite answer is modelled in \
                     a scenario's `metrics:`, as `{{value: .nan}}`)"
                ),
            );
        }
    }
}

/// `--metric NAME=pass|fail|...` of a job metric decides how its Job ends, not how long it
/// runs: the Job still takes its usual time (a job provider's measurement stays in flight
/// until the Job completes), so the verdict moves nothing else on the timeline.
fn jobs_keep_their_time(
    given: &BTreeMap<String, metrics::MetricModel>,
    used: &[metrics::MetricUse],
) -> BTreeMap<String, metrics::MetricModel> {
    let is_job = |name: &str| {
        used.iter()
            .any(|u| u.name == name && u.provider == crate::api::analysis::ProviderKind::Job)
    };
    given
        .iter()
        .map(|(name, model)| {
            let model = match model {
                metrics::MetricModel::Assumed(phase) if is_job(name) => metrics::MetricModel::Job {
                    duration: metrics::DEFAULT_JOB_DURATION,
                    phase: *phase,
                },
                other => other.clone(),
            };
            (name.clone(), model)
        })
        .collect()
}

/// The image the default scenario updates to: the next colour of the Argo demo images
/// (blue → yellow → green → orange → purple → red → blue), else the tag with `-v2`, or `:v2`
/// when there is no tag. A reference pinned by digest (`app@sha256:…`) gets another digest
/// of the same length (its last hex digit changed): anything appended would not be a digest.
pub fn default_next_image(image: &str) -> String {
    const COLOURS: [&str; 6] = ["blue", "yellow", "green", "orange", "purple", "red"];
    /// A tag is at most 128 characters.
    const MAX_TAG: usize = 128;
    if let Some((name, digest)) = image.split_once('@') {
        let mut d: Vec<char> = digest.chars().collect();
        if let Some(last) = d.last_mut() {
            *last = if *last == '0' { '1' } else { '0' };
        }
        return format!("{name}@{}", d.into_iter().collect::<String>());
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].rfind(':') {
        Some(i) => {
            let (repo, tag) = image.split_at(slash + i);
            let tag = &tag[1..];
            match COLOURS.iter().position(|c| *c == tag) {
                Some(p) => format!("{repo}:{}", COLOURS[(p + 1) % COLOURS.len()]),
                None if tag.len() + 3 <= MAX_TAG => format!("{repo}:{tag}-v2"),
                // No room for `-v2`: change the tag's last character instead.
                None => {
                    let keep = &tag[..tag.len() - 1];
                    let last = if tag.ends_with('2') { '3' } else { '2' };
                    format!("{repo}:{keep}{last}")
                }
            }
        }
        None => format!("{image}:v2"),
    }
}

fn check_one_rollout(m: &Manifests, at: &FieldPath, report: &mut Report) {
    match m.rollouts.len() {
        0 => report.error(
            at,
            DiagKind::Missing,
            "no Rollout found: a scenario runs exactly one Rollout",
        ),
        1 => {}
        n => report.not_simulated(at, &format!("running {n} Rollouts in one scenario")),
    }
}

/// A duration: a Go duration string or a bare integer of seconds.
pub(super) fn duration(v: &IntOrString, p: &FieldPath, report: &mut Report) -> Option<SimDuration> {
    match v {
        IntOrString::Int(i) if *i < 0 => {
            report.error(p, DiagKind::InvalidValue, "durations must not be negative");
            None
        }
        // The same bound as the string form: seconds whose milliseconds overflow are refused
        // rather than saturated to a time that never comes. (`i` is not negative here: the arm
        // above took those, so its unsigned magnitude is its value.)
        IntOrString::Int(i) => match i.unsigned_abs().checked_mul(1000) {
            Some(ms) => Some(SimDuration(ms)),
            None => {
                let e = DurationError::Overflow(i.to_string());
                report.error(p, DiagKind::InvalidValue, e.to_string());
                None
            }
        },
        IntOrString::Str(s) => match parse_duration(s) {
            Ok(d) => Some(d),
            Err(e) => {
                report.error(p, DiagKind::InvalidValue, e.to_string());
                None
            }
        },
    }
}

fn duration_node(n: &Node, p: &FieldPath, file: &str, report: &mut Report) -> Option<SimDuration> {
    let (v, ds) = from_node::<IntOrString>(file, n, p);
    report.extend(ds);
    duration(&v?, p, report)
}

fn convert(
    path: &Path,
    file: &str,
    root: &Node,
    opts: &LoadOptions,
    extra: Manifests,
    diags: &mut Diagnostics,
) -> Option<Scenario> {
    let mut report = Report::new(file, root);
    let base = FieldPath::root();
    if !matches!(root.value, Value::Map(_)) {
        report.error(
            &base,
            DiagKind::WrongType,
            "a scenario is a mapping of keys (name, manifests, script, ...)",
        );
        diags.extend(report.diags);
        return None;
    }
    let (raw, ds) = from_node::<raw::Scenario>(file, root, &base);
    report.extend(ds);
    let Some(raw) = raw else {
        // A field of the wrong type fails the whole mirror; its diagnostic must still be told.
        diags.extend(report.diags);
        return None;
    };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    // The name heads `test`'s line and the JUnit testcase: a blank one names nothing.
    if raw.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        report.error(
            &base.key("name"),
            DiagKind::InvalidValue,
            "the scenario's name is empty: give it one, or leave `name` out for the file's name",
        );
    }

    let start_text = raw
        .start
        .clone()
        .unwrap_or_else(|| DEFAULT_START.to_string());
    let start = match DateTime::parse_from_rfc3339(&start_text) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(e) => {
            report.error(
                &base.key("start"),
                DiagKind::InvalidValue,
                format!("not an RFC 3339 time ({e})"),
            );
            None
        }
    };
    let timeout = match &raw.timeout {
        Some(t) => duration(t, &base.key("timeout"), &mut report),
        None => Some(DEFAULT_TIMEOUT),
    };
    if timeout == Some(SimDuration::ZERO) {
        report.error(
            &base.key("timeout"),
            DiagKind::InvalidValue,
            "the timeout must be longer than 0s",
        );
    }

    let mut manifests = Manifests::default();
    // The files read so far, and the Rollouts each gave (name, file), to read a file named
    // twice once, as the command line does, and to place a Rollout two files define.
    let mut read: Vec<PathBuf> = Vec::new();
    let mut rollouts_from: Vec<(String, PathBuf)> = Vec::new();
    let mut unreadable = false;
    for (i, m) in raw.manifests.iter().flatten().enumerate() {
        let at = base.key("manifests").index(i);
        let full = canonical(&dir.join(m));
        if read.contains(&full) {
            report.note(
                &at,
                format!("`{m}` is named twice in `manifests:`: read once"),
            );
            continue;
        }
        read.push(full.clone());
        let loaded = load_manifest(&dir, m, &at, &mut report, diags);
        unreadable |= loaded.is_none();
        if let Some(loaded) = loaded {
            // A name seen in an earlier file, or twice in this one.
            let this = dir.join(m);
            let mut seen: Vec<(String, PathBuf)> = rollouts_from.clone();
            let twice = loaded.rollouts.iter().find_map(|r| {
                let earlier = seen.iter().find(|(n, _)| *n == r.name).cloned();
                seen.push((r.name.clone(), this.clone()));
                earlier
            });
            if let Some((name, first)) = twice {
                let mut files = vec![first];
                if files[0] != this {
                    files.push(this.clone());
                }
                let places: Vec<String> = files
                    .iter()
                    .flat_map(|f| rollout_places_in(f, &name))
                    .collect();
                report.error(
                    &at,
                    DiagKind::InvalidValue,
                    format!(
                        "Rollout `{name}` is defined more than once ({}): keep one of them in \
                         `manifests:`",
                        places.join(" and ")
                    ),
                );
                unreadable = true;
                continue;
            }
            rollouts_from.extend(
                loaded
                    .rollouts
                    .iter()
                    .map(|r| (r.name.clone(), dir.join(m))),
            );
            manifests.merge(loaded);
        }
    }
    if let Some(objects) = root.get("objects") {
        match &objects.value {
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    manifest::parse_object(
                        file,
                        root,
                        item,
                        &base.key("objects").index(i),
                        &mut manifests,
                        diags,
                    );
                }
            }
            _ if objects.is_null() => {}
            _ => report.error(
                &base.key("objects"),
                DiagKind::WrongType,
                "expected a list of Kubernetes objects",
            ),
        }
    }
    // Manifest files given after the scenario on the command line.
    manifests.merge(extra);
    // A manifest file that could not be read has been reported: "no Rollout" would mislead.
    if !diags.has_errors() && !unreadable {
        let at = if root.get("objects").is_some() {
            base.key("objects")
        } else {
            base.key("manifests")
        };
        check_one_rollout(&manifests, &at, &mut report);
    }

    let cluster = convert_cluster(raw.cluster.as_ref(), &base.key("cluster"), &mut report);
    let apps = convert_apps(
        raw.apps.as_deref().unwrap_or_default(),
        &base.key("apps"),
        &mut report,
    );
    let traffic = raw
        .traffic
        .as_ref()
        .and_then(|t| metrics::convert_traffic(t, &base.key("traffic"), &mut report));
    let mut metric_models = raw
        .metrics
        .as_ref()
        .map(|m| metrics::convert_metrics(m, traffic.as_ref(), &base.key("metrics"), &mut report))
        .unwrap_or_default();
    // `--metric` on the command line wins over the scenario's model of the same metric; it
    // must name a metric the scenario measures, as for bare manifests.
    if !opts.metrics.is_empty() {
        let modelled: Vec<&str> = metric_models.keys().map(String::as_str).collect();
        check_metric_args(
            &metrics::metrics_used(&manifests),
            &modelled,
            file,
            &opts.metrics,
            diags,
        );
    }
    metric_models.extend(jobs_keep_their_time(
        &opts.metrics,
        &metrics::metrics_used(&manifests),
    ));
    let script = match root.get("script") {
        Some(s) => convert_script(
            s,
            &base.key("script"),
            &ScriptContext {
                file,
                dir: &dir,
                cluster: &cluster,
                rollout: manifests.rollouts.first(),
            },
            &mut report,
            diags,
        ),
        None => Vec::new(),
    };
    // Reported after the analyses are checked (which only happens on otherwise valid input),
    // so that a misspelt model and the metric left without one are told together.
    let mut misnamed = Report::new(file, root);
    if let Some(m) = &raw.metrics {
        check_models_named(m, &manifests, &script, &base.key("metrics"), &mut misnamed);
    }
    let invariants = convert_invariants(
        raw.invariants.as_deref().unwrap_or_default(),
        &base.key("invariants"),
        &mut report,
    );
    let expect = raw
        .expect
        .as_ref()
        .map(|c| convert_condition(c, &base.key("expect"), &mut report));
    let expect_line = root.key_pos("expect").map_or(0, |p| p.line);
    let route_matches = match raw.traffic.as_ref().and_then(|t| t.managed_routes.as_ref()) {
        Some(m) => metrics::convert_route_matches(
            m,
            &managed_routes(&manifests, &script),
            &base.key("traffic").key("managedRoutes"),
            &mut report,
        ),
        None => BTreeMap::new(),
    };
    let auto_promote = raw
        .auto_promote
        .as_ref()
        .and_then(|d| duration(d, &base.key("autoPromote"), &mut report));

    diags.extend(report.diags);
    if !diags.has_errors() {
        check_all_analysis(&manifests, &script, &metric_models, diags);
    }
    diags.extend(misnamed.diags);
    Some(Scenario {
        name: raw.name.unwrap_or_else(|| stem(path)),
        description: raw.description.unwrap_or_default(),
        seed: raw.seed.unwrap_or(0),
        start: start?,
        timeout: timeout?,
        file: path.to_path_buf(),
        manifests,
        cluster,
        apps,
        script,
        invariants,
        expect: expect.flatten(),
        expect_line,
        expect_text: Default::default(),
        auto_promote,
        from_manifest: false,
        traffic,
        metrics: metric_models,
        route_matches,
        notes: Vec::new(),
    })
}

/// A `metrics:` model answers the metric of that name in any analysis template: one naming
/// a metric no template (of the manifests, or applied by the script) defines would model
/// nothing, most likely a misspelt name, and is refused with the names there are.
fn check_models_named<T>(
    models: &BTreeMap<String, T>,
    manifests: &Manifests,
    script: &[ScriptItem],
    p: &FieldPath,
    report: &mut Report,
) {
    let applied = script.iter().filter_map(|item| match &item.action {
        ScriptAction::Apply { manifests, .. } => Some(manifests),
        _ => None,
    });
    let mut defined: Vec<&str> = Vec::new();
    for t in std::iter::once(manifests)
        .chain(applied)
        .flat_map(|m| &m.templates)
    {
        for metric in &t.metrics {
            if !defined.contains(&metric.name.as_str()) {
                defined.push(&metric.name);
            }
        }
    }
    for name in models.keys() {
        if defined.contains(&name.as_str()) {
            continue;
        }
        let known = if defined.is_empty() {
            "the analysis templates define no metric".to_string()
        } else {
            let quoted: Vec<String> = defined.iter().map(|n| format!("`{n}`")).collect();
            format!("the analysis templates define {}", quoted.join(", "))
        };
        report.error_at_key(
            &p.key(name),
            DiagKind::Reference,
            format!("no analysis template has a metric named `{name}` ({known})"),
        );
    }
}

/// The managed routes named by the Rollout, as first applied and as re-applied by the script.
fn managed_routes(manifests: &Manifests, script: &[ScriptItem]) -> Vec<String> {
    let applied = script.iter().filter_map(|item| match &item.action {
        ScriptAction::Apply { manifests, .. } => Some(manifests),
        _ => None,
    });
    let mut out: Vec<String> = Vec::new();
    for m in std::iter::once(manifests).chain(applied) {
        for r in &m.rollouts {
            let names = r
                .spec
                .canary()
                .and_then(|c| c.traffic_routing.as_ref())
                .map(|t| t.managed_routes.clone())
                .unwrap_or_default();
            for n in names {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
    }
    out
}

/// Checks the analyses of the initial manifests and of every re-applied file (which sees the
/// templates applied before it; a Rollout stays in force until the script replaces it). A
/// template missing at one point but applied later is left to the run, where the Rollout is
/// InvalidSpec until it comes.
fn check_all_analysis(
    manifests: &Manifests,
    script: &[ScriptItem],
    models: &BTreeMap<String, metrics::MetricModel>,
    diags: &mut Diagnostics,
) {
    let applies: Vec<&Manifests> = script
        .iter()
        .filter_map(|item| match &item.action {
            ScriptAction::Apply { manifests: m, .. } => Some(m),
            _ => None,
        })
        .collect();
    let later = |k: usize| metrics::Later {
        templates: applies[k..]
            .iter()
            .flat_map(|m| m.templates.iter().cloned())
            .collect(),
        rollout_reapplied: applies[k..].iter().any(|m| !m.rollouts.is_empty()),
    };
    metrics::check_analysis(manifests, models, &later(0), diags);
    let mut templates = manifests.templates.clone();
    let mut rollouts = manifests.rollouts.clone();
    for (k, m) in applies.iter().enumerate() {
        templates.retain(|t| {
            !m.templates
                .iter()
                .any(|n| n.name == t.name && n.cluster_scope == t.cluster_scope)
        });
        templates.extend(m.templates.iter().cloned());
        if !m.rollouts.is_empty() {
            rollouts = m.rollouts.clone();
        } else if m.templates.is_empty() {
            continue;
        }
        let view = Manifests {
            rollouts: rollouts.clone(),
            templates: templates.clone(),
            ..Default::default()
        };
        metrics::check_analysis(&view, models, &later(k + 1), diags);
    }
    check_invalid_spec(manifests, &applies, diags);
}

/// A spec the controller would find invalid (`requireCanaryStableServices`) runs as an
/// `InvalidSpec` rollout only when the script re-applies the Rollout later (the fix may come
/// then); otherwise nothing can ever heal it and it is refused like any other bad input.
fn check_invalid_spec(manifests: &Manifests, applies: &[&Manifests], diags: &mut Diagnostics) {
    let stages = std::iter::once(manifests).chain(applies.iter().copied());
    let stages: Vec<&Manifests> = stages.collect();
    for (k, m) in stages.iter().enumerate() {
        let healable = stages[k + 1..].iter().any(|n| !n.rollouts.is_empty());
        if healable {
            continue;
        }
        for r in &m.rollouts {
            refuse_invalid_spec(r, diags);
        }
    }
    refuse_missing_services(&stages, diags);
    check_router_references(&stages, diags);
    refuse_second_namespace(&stages, diags);
}

/// The controller looks up every object a Rollout names in the Rollout's own namespace
/// (`servicesLister.Services(namespace)`, ...). rollout-sim models one namespace: inputs that
/// write more than one `metadata.namespace` are refused by name rather than resolved across
/// namespaces (an object without one goes wherever the others are applied, as with
/// `kubectl apply -n`). The Rollout's namespace, when written, is the one kept.
fn refuse_second_namespace(stages: &[&Manifests], diags: &mut Diagnostics) {
    let mut all: BTreeMap<&str, &crate::api::analysis::Origin> = BTreeMap::new();
    for m in stages {
        for (ns, at) in &m.namespaces {
            all.entry(ns.as_str()).or_insert(at);
        }
    }
    if all.len() < 2 {
        return;
    }
    let rollout_ns = stages
        .iter()
        .flat_map(|m| m.rollouts.iter())
        .map(|r| r.namespace.as_str())
        .find(|ns| all.contains_key(ns));
    let kept = rollout_ns.unwrap_or_else(|| all.keys().next().copied().unwrap_or_default());
    for (ns, at) in &all {
        if *ns == kept {
            continue;
        }
        diags.push(at.error(
            DiagKind::InvalidValue,
            format!(
                "namespace `{ns}`: the inputs also use namespace `{kept}`; objects in more than \
                 one namespace are not simulated (the controller resolves a Rollout's Services, \
                 templates and Secrets in its own namespace only): give the objects of one \
                 namespace"
            ),
        ));
    }
}

/// The Ingresses and VirtualServices `trafficRouting` names, checked as the controller checks
/// them before every reconcile (`getRolloutReferencedResources`: not found is `InvalidSpec`;
/// `ValidateIngress`: an NGINX or ALB Ingress must have a rule using the stable (or root)
/// Service). Routing itself is simulated without these objects, so a Rollout given without
/// any object of a kind (the common "just my Rollout") runs, with a note that its references
/// went unchecked; only one of the same kind under another name is proof of a mistake. As for
/// Services, a Rollout the script re-applies later may be the fix, and is left to the run.
fn check_router_references(stages: &[&Manifests], diags: &mut Diagnostics) {
    let objects: Vec<&crate::api::RouterObject> =
        stages.iter().flat_map(|m| m.routers.iter()).collect();
    for (k, m) in stages.iter().enumerate() {
        if stages[k + 1..].iter().any(|n| !n.rollouts.is_empty()) {
            continue;
        }
        for r in &m.rollouts {
            for reference in &r.router_references {
                if let Some(d) = router_reference_problem(r, reference, &objects) {
                    diags.push(d);
                }
            }
        }
    }
}

/// What is wrong with one router reference of `r`, if anything (or the note that it could not
/// be checked).
fn router_reference_problem(
    r: &crate::api::Rollout,
    reference: &crate::api::RouterReference,
    objects: &[&crate::api::RouterObject],
) -> Option<crate::input::Diagnostic> {
    let kind = reference.kind;
    let name = &reference.name;
    let field = format!("spec.strategy.canary.trafficRouting.{}", reference.field);
    let not_found = format!(
        "spec.strategy.canary.trafficRouting.{}",
        reference.not_found
    );
    // An empty name in a list is looked up like any other, and not found.
    let what = if name.is_empty() {
        format!("An empty {kind} name")
    } else {
        format!("{kind} `{name}`")
    };
    let same_kind: Vec<&str> = objects
        .iter()
        .filter(|o| o.kind == kind)
        .map(|o| o.name.as_str())
        .collect();
    if same_kind.is_empty() {
        let article = if kind == "Ingress" { "an" } else { "a" };
        return Some(reference.origin.note(format!(
            "{what} not checked: no input holds {article} {kind} (Argo marks the \
             Rollout InvalidSpec when the cluster has none of that name)"
        )));
    }
    let resource = match kind {
        "Ingress" => "ingress.networking.k8s.io",
        _ => "virtualservices.networking.istio.io",
    };
    let found = objects.iter().find(|o| o.kind == kind && &o.name == name);
    let problem = match found {
        None => {
            let hint = near_service(name, &same_kind)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            format!(
                "{what} is in no input: the controller would keep Rollout `{}` Degraded \
                 (InvalidSpec: {not_found}: {resource} \"{name}\" not found){hint}",
                r.name
            )
        }
        Some(o) => {
            let svc = reference.backend.as_ref()?;
            if o.backends.contains(svc) {
                return None;
            }
            format!(
                "{kind} `{name}` has no rule sending traffic to Service `{svc}`: the controller \
                 would keep Rollout `{}` Degraded (InvalidSpec: {field}: Invalid value: \
                 \"{name}\": ingress `{name}` has no rules using service {svc} backend)",
                r.name
            )
        }
    };
    Some(reference.origin.error(DiagKind::Reference, problem))
}

/// A Service the strategy names that no input ever provides keeps the rollout `InvalidSpec`
/// (`getReferencedServices`) for good unless the script re-applies the Rollout after it: the
/// same input error as a missing AnalysisTemplate, at the field naming it. A Service the
/// script applies later heals it, as on a cluster.
fn refuse_missing_services(stages: &[&Manifests], diags: &mut Diagnostics) {
    let given: Vec<&str> = stages
        .iter()
        .flat_map(|m| m.services.iter().map(|s| s.name.as_str()))
        .collect();
    for (k, m) in stages.iter().enumerate() {
        if stages[k + 1..].iter().any(|n| !n.rollouts.is_empty()) {
            continue;
        }
        for r in &m.rollouts {
            let strategy = if r.spec.canary().is_some() {
                "canary"
            } else {
                "blueGreen"
            };
            for (role, name) in services_named(r) {
                if given.contains(&name.as_str()) {
                    continue;
                }
                let field = format!("{strategy}.{role}");
                let hint = near_service(&name, &given)
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                let msg = format!(
                    "Service `{name}` is in no input and the script applies none: the controller \
                     would keep Rollout `{}` Degraded (InvalidSpec: spec.strategy.{field}: \
                     Invalid value: \"{name}\": service \"{name}\" not found){hint}",
                    r.name
                );
                let origin = r.reference_origin(&field).cloned().unwrap_or_default();
                diags.push(origin.error(DiagKind::Reference, msg));
            }
        }
    }
}

/// Reports a static `InvalidSpec` of `r` as an input error at its `trafficRouting`.
pub fn refuse_invalid_spec(r: &crate::api::Rollout, diags: &mut Diagnostics) {
    let Some(problem) = crate::rollout::validation::spec_error(&r.spec) else {
        return;
    };
    let origin = r
        .spec
        .canary()
        .and_then(|c| c.traffic_routing.as_ref())
        .map(|t| t.origin.clone())
        .unwrap_or_default();
    diags.push(origin.error(
        DiagKind::InvalidValue,
        format!(
            "{problem} (the controller would mark the Rollout InvalidSpec; a scenario may show \
             that by re-applying a fixed Rollout later)"
        ),
    ));
}

/// Loads a manifest file named relative to the scenario's folder. Problems inside it are
/// reported against that file; a missing file against the scenario line naming it.
fn load_manifest(
    dir: &Path,
    rel: &str,
    at: &FieldPath,
    report: &mut Report,
    diags: &mut Diagnostics,
) -> Option<Manifests> {
    let full: PathBuf = dir.join(rel);
    if full.is_dir() {
        report.error(
            at,
            DiagKind::Io,
            format!(
                "cannot read `{}`: it is a folder; name the manifest files in it one by one",
                full.display()
            ),
        );
        return None;
    }
    if !full.is_file() {
        report.error(
            at,
            DiagKind::Io,
            format!("cannot read `{}`: no such file", full.display()),
        );
        return None;
    }
    match manifest::load_file(&full, &full.to_string_lossy()) {
        Ok((m, notes)) => {
            diags.extend(notes);
            Some(m)
        }
        Err(InputError(ds)) => {
            diags.extend(ds);
            None
        }
    }
}

/// The most nodes the node model takes.
const MAX_NODES: u32 = 10_000;

/// `MAX_REPLICAS`, the manifests' limit of `spec.replicas`, as the script's counts read it.
fn max_replicas() -> u32 {
    u32::try_from(manifest::rollout::MAX_REPLICAS).unwrap_or(u32::MAX)
}

fn convert_cluster(c: Option<&raw::Cluster>, p: &FieldPath, report: &mut Report) -> ClusterConfig {
    let Some(c) = c else {
        return ClusterConfig::default();
    };
    let nodes = match (c.nodes, c.pods_per_node) {
        (None, None) => None,
        (None, Some(_)) => {
            report.error(
                &p.key("podsPerNode"),
                DiagKind::Missing,
                "podsPerNode needs `nodes`",
            );
            None
        }
        (Some(n), per) => {
            let nodes = report.within(&p.key("nodes"), n, 1, MAX_NODES);
            // No node holds more pods than a rollout can have.
            let per = match per {
                Some(per) => report.within(&p.key("podsPerNode"), per, 1, max_replicas()),
                None => Some(110),
            };
            nodes.zip(per).map(|(nodes, pods_per_node)| NodeModel {
                nodes,
                pods_per_node,
            })
        }
    };
    let lifecycle =
        |d: &Option<IntOrString>, key: &str, default: SimDuration, report: &mut Report| {
            d.as_ref()
                .and_then(|d| duration(d, &p.key(key), report))
                .unwrap_or(default)
        };
    ClusterConfig {
        nodes,
        controller_delay: lifecycle(
            &c.controller_delay,
            "controllerDelay",
            SimDuration::ZERO,
            report,
        ),
        node_monitor_grace_period: lifecycle(
            &c.node_monitor_grace_period,
            "nodeMonitorGracePeriod",
            ClusterConfig::DEFAULT_NODE_MONITOR_GRACE_PERIOD,
            report,
        ),
        unreachable_toleration: lifecycle(
            &c.unreachable_toleration_seconds,
            "unreachableTolerationSeconds",
            ClusterConfig::DEFAULT_UNREACHABLE_TOLERATION,
            report,
        ),
    }
}

fn convert_apps(apps: &[raw::App], p: &FieldPath, report: &mut Report) -> Vec<AppModel> {
    let mut out = Vec::new();
    for (i, a) in apps.iter().enumerate() {
        let ap = p.index(i);
        let Some(image) = a.image.clone().filter(|s| !s.is_empty()) else {
            report.error(
                &ap,
                DiagKind::Missing,
                "an apps entry needs `image` (a glob such as \"nginx:*\")",
            );
            continue;
        };
        let defaults = AppModel::default_for(&image);
        let startup = match (&a.ready, &a.startup) {
            (Some(r), _) if r == "never" => Startup::Never,
            (Some(r), _) => {
                report.error(
                    &ap.key("ready"),
                    DiagKind::InvalidValue,
                    format!("`{r}`: the only value is `never`"),
                );
                defaults.startup
            }
            (None, Some(s)) => startup(s, &ap.key("startup"), report).unwrap_or(defaults.startup),
            (None, None) => defaults.startup,
        };
        let error_rate = a.error_rate.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&error_rate) || error_rate.is_nan() {
            report.error(
                &ap.key("errorRate"),
                DiagKind::InvalidValue,
                "a fraction between 0 and 1",
            );
        }
        let terminate = a
            .terminate
            .as_ref()
            .and_then(|d| duration(d, &ap.key("terminate"), report))
            .unwrap_or(defaults.terminate);
        let latency = a
            .latency
            .as_ref()
            .and_then(|d| duration(d, &ap.key("latency"), report))
            .unwrap_or(defaults.latency);
        out.push(AppModel {
            image,
            startup,
            terminate,
            error_rate,
            latency,
        });
    }
    out
}

/// `5s` or a uniform range `2s..6s`.
fn startup(v: &IntOrString, p: &FieldPath, report: &mut Report) -> Option<Startup> {
    if let IntOrString::Str(s) = v
        && let Some((lo, hi)) = s.split_once("..")
    {
        let lo = duration(&IntOrString::Str(lo.trim().to_string()), p, report)?;
        let hi = duration(&IntOrString::Str(hi.trim().to_string()), p, report)?;
        if lo > hi {
            report.error(
                p,
                DiagKind::InvalidValue,
                format!("the range `{s}` ends before it starts"),
            );
            return None;
        }
        return Some(Startup::Range(lo, hi));
    }
    duration(v, p, report).map(Startup::Fixed)
}

fn convert_invariants(
    items: &[raw::Invariant],
    p: &FieldPath,
    report: &mut Report,
) -> Vec<Invariant> {
    let mut out = Vec::new();
    for (i, inv) in items.iter().enumerate() {
        let before = out.len();
        if let Some(n) = inv.min_available {
            out.push(Invariant::MinAvailable(n));
        }
        if let Some(n) = inv.max_pods {
            out.push(Invariant::MaxPods(n));
        }
        if out.len() == before {
            report.error(
                &p.index(i),
                DiagKind::Missing,
                "an invariant needs minAvailable or maxPods",
            );
        }
    }
    out
}

fn role_counts(c: &Option<raw::RoleCounts>) -> RoleCountsExpect {
    let Some(c) = c else {
        return RoleCountsExpect::default();
    };
    RoleCountsExpect {
        roles: Roles {
            stable: c.stable,
            canary: c.canary,
            active: c.active,
            preview: c.preview,
        },
        experiment: c.experiment,
        total: c.total,
    }
}

pub(super) fn convert_condition(
    c: &raw::RawExpectation,
    p: &FieldPath,
    report: &mut Report,
) -> Option<Expectation> {
    let phase = match c.phase.as_deref() {
        None => None,
        Some(s) => match Phase::parse(s) {
            Some(ph) => Some(ph),
            None => {
                report.error(
                    &p.key("phase"),
                    DiagKind::InvalidValue,
                    format!("`{s}` is not a phase (Healthy, Progressing, Paused, Degraded)"),
                );
                None
            }
        },
    };
    let images = c.images.as_ref().map_or_else(Roles::default, |i| Roles {
        stable: i.stable.clone(),
        canary: i.canary.clone(),
        active: i.active.clone(),
        preview: i.preview.clone(),
    });
    let replicas =
        c.replicas
            .as_ref()
            .map_or_else(Default::default, |r| super::condition::Replicas {
                desired: r.desired,
                current: r.current,
                updated: r.updated,
                ready: r.ready,
                available: r.available,
            });
    let mut analysis = BTreeMap::new();
    for (name, phase) in c.analysis.iter().flatten() {
        if !["Successful", "Failed", "Inconclusive", "Error", "Running"].contains(&phase.as_str()) {
            report.error(
                &p.key("analysis").key(name),
                DiagKind::InvalidValue,
                format!("`{phase}` is not an AnalysisRun phase (Successful, Failed, Inconclusive, Error, Running)"),
            );
        }
        analysis.insert(name.clone(), phase.clone());
    }
    let mut experiments = BTreeMap::new();
    for (name, phase) in c.experiment.iter().flatten() {
        let phases = [
            "Pending",
            "Running",
            "Successful",
            "Failed",
            "Inconclusive",
            "Error",
        ];
        if !phases.contains(&phase.as_str()) {
            report.error(
                &p.key("experiment").key(name),
                DiagKind::InvalidValue,
                format!(
                    "`{phase}` is not an Experiment phase ({})",
                    phases.join(", ")
                ),
            );
        }
        experiments.insert(name.clone(), phase.clone());
    }
    let mut ranges = |key: &str, m: &Option<BTreeMap<String, raw::CountRange>>| {
        let mut out = BTreeMap::new();
        for (role, r) in m.iter().flatten() {
            if !super::metrics::ROLES.contains(&role.as_str()) {
                report.error_at_key(
                    &p.key(key).key(role),
                    DiagKind::UnknownKey,
                    format!(
                        "`{role}` is not a role: use one of {}",
                        super::metrics::ROLES.join(", ")
                    ),
                );
                continue;
            }
            if r.min.is_none() && r.max.is_none() {
                report.error(
                    &p.key(key).key(role),
                    DiagKind::Missing,
                    "give min, max or both",
                );
            }
            min_not_above_max(r.min, r.max, &p.key(key).key(role), report);
            out.insert(role.clone(), (r.min, r.max));
        }
        out
    };
    let requests = ranges("requests", &c.requests);
    let failed_requests = ranges("failedRequests", &c.failed_requests);
    let mirrored_requests = ranges("mirroredRequests", &c.mirrored_requests);
    // Revisions count from 1 (the first deploy), so `revision: 0` could never hold.
    if c.revision == Some(0) {
        report.error(
            &p.key("revision"),
            DiagKind::InvalidValue,
            "revision 0 never exists: a Rollout's revisions start at 1 (its first deploy)",
        );
    }
    for (key, names) in [("analysis", &c.analysis), ("experiment", &c.experiment)] {
        if names.iter().flatten().any(|(n, _)| n.is_empty()) {
            report.error(
                &p.key(key),
                DiagKind::InvalidValue,
                format!("an empty name matches no {key}: name it as the step or template does"),
            );
        }
    }
    let elapsed = c.elapsed.as_ref();
    let elapsed_max = elapsed
        .and_then(|e| e.max.as_ref())
        .and_then(|d| duration(d, &p.key("elapsed").key("max"), report));
    let elapsed_min = elapsed
        .and_then(|e| e.min.as_ref())
        .and_then(|d| duration(d, &p.key("elapsed").key("min"), report));
    min_not_above_max(elapsed_min, elapsed_max, &p.key("elapsed"), report);
    let not = match &c.not {
        Some(n) => Some(Box::new(convert_condition(n, &p.key("not"), report)?)),
        None => None,
    };
    Some(Expectation {
        phase,
        message: c.message.clone(),
        step: c.step,
        set_weight: c.set_weight,
        actual_weight: c.actual_weight,
        aborted: c.aborted,
        paused: c.paused,
        revision: c.revision,
        completion_status: completion_status(
            c.completion_status.as_deref().or(c
                .duration
                .as_ref()
                .and_then(|d| d.completion_status.as_deref())),
            &p.key("completionStatus"),
            report,
        ),
        duration: c
            .duration
            .as_ref()
            .map(|d| duration_expect(d, &p.key("duration"), report))
            .unwrap_or_default(),
        images,
        replicas,
        pods: role_counts(&c.pods),
        ready_pods: role_counts(&c.ready_pods),
        replica_sets_total: c.replica_sets.as_ref().and_then(|r| r.total),
        replica_sets_scaled_up: c.replica_sets.as_ref().and_then(|r| r.scaled_up),
        analysis,
        experiments,
        weights: c.weights.as_ref().map_or_else(Default::default, |w| {
            super::condition::RouterWeights {
                canary: w.canary,
                stable: w.stable,
                experiment: w.experiment,
            }
        }),
        routes: c.routes.clone(),
        requests,
        failed_requests,
        mirrored_requests,
        elapsed_max,
        elapsed_min,
        not,
    })
}

/// A `{min, max}` range whose min is above its max could never hold: refused, at the range.
fn min_not_above_max<T: PartialOrd + std::fmt::Display>(
    min: Option<T>,
    max: Option<T>,
    p: &FieldPath,
    report: &mut Report,
) {
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        report.error(
            p,
            DiagKind::InvalidValue,
            format!("min {min} is above max {max}: this could never hold"),
        );
    }
}

/// A `completionStatus` value: one of Argo's, or `none` (not known yet).
fn completion_status(
    s: Option<&str>,
    p: &FieldPath,
    report: &mut Report,
) -> Option<Option<crate::rollout::status::CompletionStatus>> {
    let s = s?;
    if s == "none" {
        return Some(None);
    }
    let parsed = crate::rollout::status::CompletionStatus::parse(s);
    if parsed.is_none() {
        report.error(
            p,
            DiagKind::InvalidValue,
            format!(
                "`{s}` is not a completion status: use Promoted, FastPromoted, Aborted, \
                 Superseded, RolledBack, FastRolledBack or none"
            ),
        );
        return None;
    }
    Some(parsed)
}

/// The `duration:` keys of a condition.
fn duration_expect(
    d: &super::raw::DurationCond,
    p: &FieldPath,
    report: &mut Report,
) -> super::condition::DurationExpect {
    let mut range = |key: &str, e: &Option<super::raw::Elapsed>| match e {
        None => (None, None),
        Some(e) => {
            let min = e
                .min
                .as_ref()
                .and_then(|v| duration(v, &p.key(key).key("min"), report));
            let max = e
                .max
                .as_ref()
                .and_then(|v| duration(v, &p.key(key).key("max"), report));
            min_not_above_max(min, max, &p.key(key), report);
            (min, max)
        }
    };
    super::condition::DurationExpect {
        finished: d.finished,
        manually_paused: d.manually_paused,
        started_at: range("startedAt", &d.started_at),
        finished_at: range("finishedAt", &d.finished_at),
        total_manual_pause: range("totalManualPause", &d.total_manual_pause),
    }
}

fn condition_node(n: &Node, p: &FieldPath, file: &str, report: &mut Report) -> Option<Expectation> {
    if !matches!(n.value, Value::Map(_)) {
        report.error(
            p,
            DiagKind::WrongType,
            format!(
                "expected a condition (a mapping such as {{phase: Healthy}}), found {}",
                n.describe()
            ),
        );
        return None;
    }
    let (raw, ds) = from_node::<raw::RawExpectation>(file, n, p);
    report.extend(ds);
    convert_condition(&raw?, p, report)
}

/// What the script's items are read against.
struct ScriptContext<'a> {
    /// The scenario file, as diagnostics name it.
    file: &'a str,
    /// Its folder, which `apply` paths are relative to.
    dir: &'a Path,
    /// The cluster, whose nodes `failNode` names.
    cluster: &'a ClusterConfig,
    /// The scenario's Rollout, when it has one.
    rollout: Option<&'a crate::api::Rollout>,
}

fn convert_script(
    node: &Node,
    p: &FieldPath,
    cx: &ScriptContext,
    report: &mut Report,
    diags: &mut Diagnostics,
) -> Vec<ScriptItem> {
    let ScriptContext {
        file,
        dir,
        cluster,
        rollout,
    } = *cx;
    // Whether the Rollout the item acts on is blue-green: the scenario's, or the last applied.
    let mut blue_green = rollout.is_some_and(|r| r.spec.blue_green().is_some());
    // The containers `setImage` may name: the template's, or the last applied one's; after
    // an `undo`, those of any template seen so far (which revision it goes back to is only
    // known at run time).
    let mut containers = Containers::of(rollout);
    let Value::Seq(items) = &node.value else {
        if !node.is_null() {
            report.error(p, DiagKind::WrongType, "the script is a list of actions");
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let ip = p.index(i);
        let entries = match &item.value {
            Value::Map(e) if e.len() == 1 => e,
            // Said plainly: several actions in one item, or a key that is no action's name.
            Value::Map(e) if e.len() > 1 => {
                let keys: Vec<String> = e
                    .iter()
                    .map(|(k, _)| {
                        k.as_str()
                            .map_or_else(|| k.describe(), |s| format!("`{s}`"))
                    })
                    .collect();
                report.error(
                    &ip,
                    DiagKind::InvalidValue,
                    format!(
                        "this item holds {} actions ({}): a script item is one action; write \
                         each as its own `- ` item, in the order they should run",
                        keys.len(),
                        keys.join(", ")
                    ),
                );
                continue;
            }
            _ => {
                report.error(
                    &ip,
                    DiagKind::WrongType,
                    format!(
                        "a script item is a mapping with one action ({}), found {}",
                        ACTIONS.join(", "),
                        item.describe()
                    ),
                );
                continue;
            }
        };
        let (k, v) = &entries[0];
        let Some(key) = k.as_str().filter(|_| !k.is_null()) else {
            report.error(
                &ip,
                DiagKind::WrongType,
                format!(
                    "an action is named by a plain key ({}), found {}",
                    ACTIONS.join(", "),
                    k.describe()
                ),
            );
            continue;
        };
        let vp = ip.key(key);
        let action = convert_action(key, v, &vp, file, dir, report, diags);
        // Checked here, with the item's own index: items refused above are not in `out`.
        match &action {
            Some(ScriptAction::FailNode { name, .. }) => {
                check_fail_node(name, cluster, &vp, report);
            }
            Some(ScriptAction::Apply { manifests, .. }) => {
                if let Some(r) = manifests.rollouts.first() {
                    blue_green = r.spec.blue_green().is_some();
                    containers.applied(r);
                }
            }
            Some(ScriptAction::Undo { .. }) => containers.undone(),
            Some(ScriptAction::SetImage {
                container: Some(name),
                ..
            }) => containers.check(name, &vp, report),
            Some(ScriptAction::WaitUntil(c)) if blue_green => {
                note_blue_green_weight(c, &vp, report)
            }
            _ => {}
        }
        if let Some(action) = action {
            out.push(ScriptItem::new(item.pos.line, action));
        }
    }
    out
}

/// The container names a script's `setImage` may use at each point of the script.
struct Containers {
    /// The current template's (`None` without a Rollout: nothing to check against).
    now: Option<Vec<String>>,
    /// Every template's seen so far, which an `undo` may bring back.
    seen: Vec<String>,
}

impl Containers {
    fn of(rollout: Option<&crate::api::Rollout>) -> Self {
        let now = rollout.map(|r| r.spec.template.container_names());
        Containers {
            seen: now.clone().unwrap_or_default(),
            now,
        }
    }

    fn applied(&mut self, r: &crate::api::Rollout) {
        let names = r.spec.template.container_names();
        for n in &names {
            if !self.seen.contains(n) {
                self.seen.push(n.clone());
            }
        }
        self.now = Some(names);
    }

    fn undone(&mut self) {
        if self.now.is_some() {
            self.now = Some(self.seen.clone());
        }
    }

    /// A `setImage` naming a container the template does not have fails at run time: it is
    /// refused here, with the names it could use.
    fn check(&self, name: &str, p: &FieldPath, report: &mut Report) {
        let Some(now) = &self.now else { return };
        if now.iter().any(|n| n == name) {
            return;
        }
        let quoted: Vec<String> = now.iter().map(|n| format!("`{n}`")).collect();
        report.error(
            &p.key("container"),
            DiagKind::Reference,
            format!(
                "the pod template has no container named `{name}` (its containers: {})",
                quoted.join(", ")
            ),
        );
    }
}

/// A blue-green Rollout has no weights: a `wait` for one waits until the scenario's timeout.
/// Not an error (the wait then fails with a clear message, which may be the point), a note.
fn note_blue_green_weight(c: &Expectation, p: &FieldPath, report: &mut Report) {
    let keys = [
        ("setWeight", c.set_weight.is_some()),
        ("actualWeight", c.actual_weight.is_some()),
    ];
    for (key, given) in keys {
        if given {
            report.note(
                &p.key(key),
                format!(
                    "a blue-green Rollout has no weights: this wait for `{key}` never holds and \
                     waits until the timeout (wait for `phase` or `images` instead)"
                ),
            );
        }
    }
}

/// Reads a value node as `T` (`null` counts as an empty mapping, so `abort:` works too).
fn struct_node<T: serde::de::DeserializeOwned + Default>(
    v: &Node,
    p: &FieldPath,
    file: &str,
    report: &mut Report,
) -> Option<T> {
    if v.is_null() {
        return Some(T::default());
    }
    let (raw, ds) = from_node::<T>(file, v, p);
    report.extend(ds);
    raw
}

fn convert_action(
    key: &str,
    v: &Node,
    p: &FieldPath,
    file: &str,
    dir: &Path,
    report: &mut Report,
    diags: &mut Diagnostics,
) -> Option<ScriptAction> {
    match key {
        "wait" => match &v.value {
            Value::Map(_) => condition_node(v, p, file, report).map(ScriptAction::WaitUntil),
            _ => duration_node(v, p, file, report).map(ScriptAction::WaitFor),
        },
        "expect" => condition_node(v, p, file, report).map(ScriptAction::Expect),
        "setImage" => match &v.value {
            Value::Map(_) => {
                let si: raw::SetImage = struct_node(v, p, file, report)?;
                let Some(image) = si.image.filter(|s| !s.is_empty()) else {
                    report.error(p, DiagKind::Missing, "setImage needs `image`");
                    return None;
                };
                if si.container.as_deref() == Some("") {
                    report.error(
                        &p.key("container"),
                        DiagKind::InvalidValue,
                        "an empty name matches no container: name one, or leave `container` out \
                         for the first",
                    );
                    return None;
                }
                Some(ScriptAction::SetImage {
                    container: si.container,
                    image,
                })
            }
            _ => match v.as_str() {
                Some(img) if !img.is_empty() && !v.is_null() => Some(ScriptAction::SetImage {
                    container: None,
                    image: img.to_string(),
                }),
                _ => {
                    report.error(
                        p,
                        DiagKind::WrongType,
                        "setImage takes an image, or {container: NAME, image: IMG}",
                    );
                    None
                }
            },
        },
        "apply" => {
            let Some(rel) = v.as_str().filter(|s| !s.is_empty() && !v.is_null()) else {
                report.error(
                    p,
                    DiagKind::WrongType,
                    "apply takes the path of a manifest file",
                );
                return None;
            };
            let manifests = load_manifest(dir, rel, p, report, diags)?;
            if manifests.rollouts.len() > 1 {
                report.not_simulated(p, "applying several Rollouts");
            }
            Some(ScriptAction::Apply {
                path: rel.to_string(),
                manifests,
            })
        }
        "promote" => {
            let pr: raw::Promote = struct_node(v, p, file, report)?;
            Some(ScriptAction::Promote {
                full: pr.full.unwrap_or(false),
            })
        }
        "abort" | "retry" | "pause" | "resume" => {
            let _: raw::Empty = struct_node(v, p, file, report)?;
            Some(match key {
                "abort" => ScriptAction::Abort,
                "retry" => ScriptAction::Retry,
                "pause" => ScriptAction::Pause,
                _ => ScriptAction::Resume,
            })
        }
        "scale" => {
            // `kubectl argo rollouts scale` writes `spec.replicas`: the manifests' limit.
            let (n, ds) = from_node::<i128>(file, v, p);
            report.extend(ds);
            Some(ScriptAction::Scale(report.within(
                p,
                n?,
                0,
                max_replicas(),
            )?))
        }
        "restart" => {
            let r: raw::Restart = struct_node(v, p, file, report)?;
            let delay = match &r.in_ {
                Some(d) => Some(duration(d, &p.key("in"), report)?),
                None => None,
            };
            Some(ScriptAction::Restart { delay })
        }
        "undo" => {
            let u: raw::Undo = struct_node(v, p, file, report)?;
            let to_revision = match u.to_revision {
                None => None,
                Some(r) => Some(to_revision(r, &p.key("toRevision"), report)?),
            };
            Some(ScriptAction::Undo { to_revision })
        }
        "deletePod" | "evictPod" => {
            let f: raw::PodFault = struct_node(v, p, file, report)?;
            let target = pod_target(&f, p, report)?;
            Some(if key == "deletePod" {
                ScriptAction::DeletePod(target)
            } else {
                ScriptAction::EvictPod(target)
            })
        }
        "failNode" => {
            let f: raw::FailNode = struct_node(v, p, file, report)?;
            let Some(name) = f.name.filter(|n| !n.is_empty()) else {
                report.error(
                    p,
                    DiagKind::Missing,
                    "failNode needs the `name` of a node (node-1, node-2, ...)",
                );
                return None;
            };
            // Without overrides the cluster's node lifecycle decides (see `ClusterConfig`).
            let after = |d: &Option<IntOrString>, key: &str, report: &mut Report| match d {
                Some(d) => duration(d, &p.key(key), report).map(Some),
                None => Some(None),
            };
            Some(ScriptAction::FailNode {
                name,
                not_ready_after: after(&f.not_ready_after, "notReadyAfter", report)?,
                evict_after: after(&f.evict_after, "evictAfter", report)?,
            })
        }
        other => {
            report.error(
                p,
                DiagKind::UnknownKey,
                unknown_key_message(other, ACTIONS).replace("key", "action"),
            );
            None
        }
    }
}

/// `undo`'s `toRevision`: a revision number within kubectl's int64 flag. 0 is kubectl's own
/// default, the previous revision (`rolloutRevision` in `cmd/undo/undo.go`), the same as
/// leaving it out. A negative number finds no revision there, so it is refused here with
/// `undo: {}` as what to write instead.
fn to_revision(r: i128, p: &FieldPath, report: &mut Report) -> Option<u64> {
    if report.flagged(p) {
        // Already refused as it was read (not an integer).
        return None;
    }
    if r < 0 {
        report.error(
            p,
            DiagKind::InvalidValue,
            format!(
                "{r} is not a revision: revisions start at 1 \
                 (leave toRevision out, `undo: {{}}`, to go back to the previous revision)"
            ),
        );
        return None;
    }
    match i64::try_from(r) {
        Ok(r) => Some(r.unsigned_abs()),
        Err(_) => {
            report.error(
                p,
                DiagKind::InvalidValue,
                format!("{r} is out of range (allowed: 0 to {})", i64::MAX),
            );
            None
        }
    }
}

/// `failNode` needs the node model, and a node it has: `node-1` .. `node-N`, spelled exactly
/// as the simulated cluster names them (node names are strings, `node-01` is another node).
fn check_fail_node(name: &str, cluster: &ClusterConfig, at: &FieldPath, report: &mut Report) {
    let Some(n) = cluster.nodes else {
        report.error(
            at,
            DiagKind::InvalidValue,
            "failNode needs the node model: set cluster.nodes",
        );
        return;
    };
    if node_index(name).is_none_or(|k| !(1..=n.nodes).contains(&k)) {
        report.error(
            &at.key("name"),
            DiagKind::InvalidValue,
            format!("no node `{name}`: the nodes are node-1 to node-{}", n.nodes),
        );
    }
}

/// The `N` of a node name `node-N`: digits only, no sign, no leading zero.
fn node_index(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("node-")?;
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    canonical.then(|| digits.parse().ok()).flatten()
}

/// `{role: canary, count: 2}` or `{name: POD}`.
fn pod_target(f: &raw::PodFault, p: &FieldPath, report: &mut Report) -> Option<PodTarget> {
    match (&f.role, &f.name) {
        (Some(role), None) => {
            if !["stable", "canary", "active", "preview"].contains(&role.as_str()) {
                report.error(
                    &p.key("role"),
                    DiagKind::InvalidValue,
                    format!("`{role}` is not a role (stable, canary, active, preview)"),
                );
                return None;
            }
            let count = match f.count {
                None => 1,
                Some(c) => report.within(&p.key("count"), c, 1, max_replicas())?,
            };
            Some(PodTarget::Role {
                role: role.clone(),
                count,
            })
        }
        (None, Some(name)) if name.is_empty() => {
            report.error(
                &p.key("name"),
                DiagKind::InvalidValue,
                "an empty name matches no pod: give a pod's name, or `role`",
            );
            None
        }
        (None, Some(name)) => {
            if f.count.is_some_and(|c| c != 1) {
                report.error(
                    &p.key("count"),
                    DiagKind::InvalidValue,
                    "a pod named by `name` is one pod",
                );
            }
            Some(PodTarget::Name(name.clone()))
        }
        _ => {
            report.error(
                p,
                DiagKind::InvalidValue,
                "give either `role` (with an optional `count`) or `name`",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_image() {
        assert_eq!(
            default_next_image("argoproj/rollouts-demo:blue"),
            "argoproj/rollouts-demo:yellow"
        );
        assert_eq!(
            default_next_image("argoproj/rollouts-demo:red"),
            "argoproj/rollouts-demo:blue"
        );
        assert_eq!(
            default_next_image("nginx:1.19-alpine"),
            "nginx:1.19-alpine-v2"
        );
        assert_eq!(
            default_next_image("localhost:5000/app"),
            "localhost:5000/app:v2"
        );
        assert_eq!(default_next_image("app"), "app:v2");
        assert_eq!(
            default_next_image("registry.example.com:5000/team/app:1.2"),
            "registry.example.com:5000/team/app:1.2-v2"
        );
        // Digests: another digest of the same form, never a suffix.
        let digest = format!("sha256:{}", "ab".repeat(32));
        let next = default_next_image(&format!("nginx@{digest}"));
        let (name, d) = next.split_once('@').expect("still pinned by digest");
        assert_eq!(name, "nginx");
        assert_eq!(d.len(), digest.len());
        assert!(d.starts_with("sha256:"));
        assert!(d[7..].chars().all(|c| c.is_ascii_hexdigit()), "{d}");
        assert_ne!(d, digest);
        let zeros = format!("sha256:{}", "0".repeat(64));
        assert_ne!(
            default_next_image(&format!("nginx:1.25@{zeros}")),
            format!("nginx:1.25@{zeros}")
        );
        assert!(
            default_next_image(&format!("nginx:1.25@{zeros}")).starts_with("nginx:1.25@sha256:")
        );
        // A tag of the maximum length stays within it.
        let long = format!("app:{}", "x".repeat(128));
        let next = default_next_image(&long);
        assert_eq!(next.len(), long.len());
        assert_ne!(next, long);
    }
}
