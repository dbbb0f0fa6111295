//! What-if sweeps: the same scenario run with every combination of a few changed values,
//! each with N seeds, and summarised per variant (outcomes, time to done, requests and failed
//! requests served by the new version, peak pods and pod-seconds above `spec.replicas`).
//!
//! A variant is made by editing the scenario as data: the scenario (with the manifests it
//! names inlined as objects) or the bare manifest is read into JSON, the `--set` paths are
//! written into it, and the result is loaded again through the ordinary loader — so a value
//! that makes the Rollout invalid is reported exactly as in a scenario file.
//!
//! Runs are independent and seeded by `seed + k` for run `k` of every variant (the same seeds
//! across variants, so differences come from the change, not from luck); they run in parallel
//! and are gathered in order, so results do not depend on the number of threads.
//!
//! Besides outcomes, each run records which of the scenario's checks (`expect`, `wait`,
//! invariants) held and how many canary steps it reached before an abort, so that a sweep
//! answers "how often" questions. A sweep can be cut into shards — disjoint slices of the
//! (variant, seed) pairs — run on different machines and put back together with [`merge`]:
//! every figure is recomputed from the runs, so the merged result is the whole sweep's.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value as Json;

use crate::engine::SimTime;
use crate::input::de::from_node;
use crate::input::yaml::{parse_documents, read_text};
use crate::input::{FieldPath, InputError};
use crate::rollout::Phase;
use crate::scenario::{self, LoadOptions, Scenario, ScriptAction};
use crate::sim::{self, EntryKind, RunResult, StepKind};

/// One step of a `--set` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A mapping key (`strategy`, `canary`).
    Key(String),
    /// A list index (`steps[1]`), 0-based.
    Index(usize),
}

/// `--set PATH=V1,V2,...`.
#[derive(Debug, Clone, PartialEq)]
pub struct SetSpec {
    /// As written, for labels.
    pub path_text: String,
    /// The path, parsed: where in the scenario's documents the value goes.
    pub path: Vec<Seg>,
    /// The values to try, one variant each.
    pub values: Vec<Json>,
}

/// A value of a `--set` list: a number, a boolean, or else a string.
fn scalar(text: &str) -> Json {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Json::from(i);
    }
    if let Ok(f) = t.parse::<f64>()
        && f.is_finite()
    {
        return Json::from(f);
    }
    match t {
        "true" => Json::Bool(true),
        "false" => Json::Bool(false),
        _ => Json::String(t.trim_matches('"').to_string()),
    }
}

fn parse_path(text: &str) -> Result<Vec<Seg>, String> {
    let mut out = Vec::new();
    for part in text.split('.') {
        let (key, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && rest.is_empty() {
            return Err(format!("`{text}`: empty path segment"));
        }
        if !key.is_empty() {
            out.push(Seg::Key(key.to_string()));
        }
        let mut rest = rest;
        while let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| format!("`{text}`: unclosed `[`"))?;
            let idx = r[..end]
                .parse::<usize>()
                .map_err(|_| format!("`{text}`: `{}` is not an index", &r[..end]))?;
            out.push(Seg::Index(idx));
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("`{text}`: unexpected `{rest}`"));
        }
    }
    Ok(out)
}

/// `FROM..TO/N`: N evenly spaced numbers from FROM to TO, both included (`0..0.1/11` is 0,
/// 0.01, ..., 0.1). `None` when `text` is not a range; whole numbers stay whole when every
/// value is.
fn range(text: &str) -> Option<Result<Vec<Json>, String>> {
    let (bounds, n) = text.trim().split_once('/')?;
    let (from, to) = bounds.split_once("..")?;
    let (Ok(from), Ok(to)) = (from.trim().parse::<f64>(), to.trim().parse::<f64>()) else {
        return None;
    };
    let n = match n.trim().parse::<usize>() {
        Ok(n) if (2..=1000).contains(&n) => n,
        _ => {
            return Some(Err(format!(
                "`{text}`: a range FROM..TO/N needs 2 <= N <= 1000 values"
            )));
        }
    };
    if !from.is_finite() || !to.is_finite() {
        return Some(Err(format!("`{text}`: the bounds must be numbers")));
    }
    let values: Vec<f64> = (0..n)
        .map(|i| {
            let x = from + (to - from) * i as f64 / (n - 1) as f64;
            // 0.1 * 3 is 0.30000000000000004: twelve decimals are plenty for a knob.
            (x * 1e12).round() / 1e12
        })
        .collect();
    Some(Ok(values
        .into_iter()
        .map(|x| {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "a whole number below 1e15 in magnitude: exact in an i64"
                )]
                Json::from(x as i64)
            } else {
                Json::from(x)
            }
        })
        .collect()))
}

/// Parses `PATH=V1,V2,...` or `PATH=FROM..TO/N`.
pub fn parse_set(arg: &str) -> Result<SetSpec, String> {
    let (path, values) = arg.split_once('=').ok_or_else(|| {
        format!("`{arg}`: write PATH=V1,V2,... or PATH=FROM..TO/N (e.g. apps[0].errorRate=0.01,0.05 or apps[0].errorRate=0..0.1/11)")
    })?;
    let values: Vec<Json> = match range(values) {
        Some(r) => r?,
        None => values.split(',').map(scalar).collect(),
    };
    if values.iter().any(|v| v == &Json::String(String::new())) {
        return Err(format!("`{arg}`: an empty value"));
    }
    Ok(SetSpec {
        path_text: path.trim().to_string(),
        path: parse_path(path.trim())?,
        values,
    })
}

/// The scenario (or manifests) as data, ready to be edited.
pub struct Base {
    path: PathBuf,
    /// Bare manifests (their documents) rather than a scenario (one document).
    manifest: bool,
    docs: Vec<Json>,
    /// `--rollout` and `--metric`, applied to every variant as to the base.
    opts: LoadOptions,
}

fn docs_of_text(file: &str, text: &str) -> Result<Vec<Json>, InputError> {
    let docs = parse_documents(file, text).map_err(InputError::single)?;
    let mut out = Vec::new();
    for d in &docs {
        let (v, diags) = from_node::<Json>(file, &d.root, &FieldPath::root());
        if diags.has_errors() {
            return Err(InputError(diags));
        }
        out.push(v.unwrap_or(Json::Null));
    }
    Ok(out)
}

fn docs_of(path: &Path) -> Result<Vec<Json>, InputError> {
    let file = path.to_string_lossy().to_string();
    let text = read_text(path, &file).map_err(InputError::single)?;
    docs_of_text(&file, &text)
}

/// Reads the file to sweep. The manifests a scenario names are inlined into its `objects`, so
/// that `rollout.*` paths reach the Rollout wherever it was written.
pub fn base(path: &Path) -> Result<Base, InputError> {
    let sources = crate::input::source::gather(&[path.to_path_buf()])?;
    base_of(&sources, LoadOptions::default())
}

/// [`base`] of inputs as the command line names them: one scenario, or manifests from several
/// files, folders or standard input (their documents are swept together).
pub fn base_of(
    sources: &[crate::input::source::Source],
    opts: LoadOptions,
) -> Result<Base, InputError> {
    // Validate first: a sweep of a broken scenario reports it as `run` would.
    let loaded = scenario::load_sources(sources, &opts)?;
    let mut docs = Vec::new();
    for s in sources {
        docs.extend(
            docs_of_text(&s.display, &s.text)?
                .into_iter()
                .filter(|d| !d.is_null()),
        );
    }
    let manifest = loaded.from_manifest;
    // A scenario's extra manifest files join the objects its `manifests:` are inlined into.
    let extra: Vec<Json> = if manifest {
        Vec::new()
    } else {
        docs.split_off(1.min(docs.len()))
    };
    if !manifest && let Some(Json::Object(root)) = docs.first_mut() {
        let dir = loaded
            .file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if let Some(Json::Array(files)) = root.remove("manifests") {
            let mut objects = match root.remove("objects") {
                Some(Json::Array(o)) => o,
                _ => Vec::new(),
            };
            for f in files {
                if let Some(rel) = f.as_str() {
                    objects.extend(docs_of(&dir.join(rel))?);
                }
            }
            root.insert("objects".into(), Json::Array(objects));
        }
        if !extra.is_empty() {
            let objects = root
                .entry("objects")
                .or_insert_with(|| Json::Array(Vec::new()));
            if let Json::Array(o) = objects {
                o.extend(extra);
            }
        }
    }
    Ok(Base {
        path: loaded.file,
        manifest,
        docs,
        opts,
    })
}

/// The keys of `node` closest to the misspelt `key`, as `; nearest keys here: a, b, c` (empty
/// when `node` is not an object).
fn nearest_keys(node: &Json, key: &str) -> String {
    let Some(m) = node.as_object() else {
        return match node {
            Json::Array(a) => format!("; this place is a list of {} (use [0]..)", a.len()),
            _ => "; this place is a value, not an object".to_string(),
        };
    };
    let mut keys: Vec<(usize, &String)> = m
        .keys()
        .map(|k| {
            (
                crate::input::de::edit_distance(&k.to_ascii_lowercase(), &key.to_ascii_lowercase()),
                k,
            )
        })
        .collect();
    keys.sort();
    let names: Vec<String> = keys.iter().take(3).map(|(_, k)| format!("`{k}`")).collect();
    if names.is_empty() {
        String::new()
    } else {
        format!("; nearest keys here: {}", names.join(", "))
    }
}

/// Writes `value` at `path` under `node`; the last key may be new, nothing else may be.
fn set_at(node: &mut Json, path: &[Seg], value: Json, text: &str) -> Result<(), String> {
    let Some((last, inner)) = path.split_last() else {
        *node = value;
        return Ok(());
    };
    let mut cur = node;
    for seg in inner {
        cur = match seg {
            Seg::Key(k) => {
                let near = nearest_keys(cur, k);
                cur.get_mut(k)
                    .ok_or_else(|| format!("`{text}`: there is no `{k}` here{near}"))?
            }
            Seg::Index(i) => {
                let len = cur.as_array().map(Vec::len);
                cur.get_mut(*i).ok_or_else(|| match len {
                    Some(0) => format!("`{text}`: there is no element [{i}] here; the list is empty"),
                    Some(n) => format!(
                        "`{text}`: there is no element [{i}] here; the list has {n} (use [0]..[{}])",
                        n - 1
                    ),
                    None => format!("`{text}`: there is no element [{i}] here; this place is not a list"),
                })?
            }
        };
    }
    match (last, cur) {
        (Seg::Key(k), Json::Object(m)) => {
            m.insert(k.clone(), value);
            Ok(())
        }
        (Seg::Index(i), Json::Array(a)) if *i < a.len() => {
            a[*i] = value;
            Ok(())
        }
        _ => Err(format!("`{text}`: cannot set this place")),
    }
}

impl Base {
    /// The Rollout document, wherever it is.
    fn rollout_mut<'a>(
        docs: &'a mut [Json],
        manifest: bool,
        name: Option<&str>,
    ) -> Option<&'a mut Json> {
        // The Rollout `--rollout` picked, when the manifests hold several.
        let is_rollout = |d: &Json| {
            d.get("kind").and_then(Json::as_str) == Some("Rollout")
                && name
                    .is_none_or(|n| d.pointer("/metadata/name").and_then(Json::as_str) == Some(n))
        };
        if manifest {
            return docs.iter_mut().find(|d| is_rollout(d));
        }
        docs.first_mut()?
            .get_mut("objects")?
            .as_array_mut()?
            .iter_mut()
            .find(|d| is_rollout(d))
    }

    /// The text of a variant: the base with each assignment written in.
    pub fn variant_text(&self, assignments: &[(&SetSpec, &Json)]) -> Result<String, String> {
        let mut docs = self.docs.clone();
        for (spec, value) in assignments {
            match spec.path.first() {
                Some(Seg::Key(k)) if k == "rollout" => {
                    let r =
                        Self::rollout_mut(&mut docs, self.manifest, self.opts.rollout.as_deref())
                            .ok_or_else(|| format!("`{}`: no Rollout found", spec.path_text))?;
                    set_at(r, &spec.path[1..], (*value).clone(), &spec.path_text)?;
                }
                _ if self.manifest => {
                    return Err(format!(
                        "`{}`: a bare manifest has only `rollout.*` paths",
                        spec.path_text
                    ));
                }
                _ => set_at(&mut docs[0], &spec.path, (*value).clone(), &spec.path_text)?,
            }
        }
        Ok(render(&docs))
    }

    /// The Kubernetes objects: a bare manifest's documents, or a scenario's `objects`.
    fn objects(docs: &[Json], manifest: bool) -> Vec<Json> {
        if manifest {
            return docs.to_vec();
        }
        docs.first()
            .and_then(|d| d.get("objects"))
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
    }

    /// The text of this scenario run with the Rollout of `side` (another version of it, as
    /// `diff` compares): the scenario's Rollout takes the side's `spec` (its name, and so
    /// what the script and the other objects call it, stay the scenario's), and each other
    /// object of the side replaces the scenario's object of the same kind and name, or joins
    /// them — an AnalysisTemplate the change edits or adds is the one that runs.
    pub fn with_rollout_of(&self, side: &Base) -> Result<String, String> {
        let mut side_docs = side.docs.clone();
        let spec = Self::rollout_mut(&mut side_docs, side.manifest, side.opts.rollout.as_deref())
            .and_then(|r| r.get("spec").cloned())
            .ok_or_else(|| format!("{}: no Rollout found", side.path.display()))?;
        let mut docs = self.docs.clone();
        let target = Self::rollout_mut(&mut docs, self.manifest, self.opts.rollout.as_deref())
            .ok_or_else(|| format!("{}: the scenario has no Rollout", self.path.display()))?;
        target["spec"] = spec;
        let key = |d: &Json| {
            (
                d.get("kind").and_then(Json::as_str).map(str::to_string),
                d.pointer("/metadata/name")
                    .and_then(Json::as_str)
                    .map(str::to_string),
            )
        };
        let others = Self::objects(&side.docs, side.manifest)
            .into_iter()
            .filter(|d| d.get("kind").and_then(Json::as_str) != Some("Rollout"));
        let objects: &mut Vec<Json> = if self.manifest {
            &mut docs
        } else {
            let root = docs
                .first_mut()
                .and_then(Json::as_object_mut)
                .ok_or_else(|| format!("{}: not a scenario", self.path.display()))?;
            match root
                .entry("objects")
                .or_insert_with(|| Json::Array(Vec::new()))
            {
                Json::Array(a) => a,
                _ => return Err(format!("{}: `objects` is not a list", self.path.display())),
            }
        };
        for obj in others {
            match objects.iter_mut().find(|d| key(d) == key(&obj)) {
                Some(slot) => *slot = obj,
                None => objects.push(obj),
            }
        }
        Ok(render(&docs))
    }

    /// A path of a variant's problem as the user can find it: in a scenario, the Rollout's
    /// place among the `objects` its `manifests:` were inlined into (`objects[2].spec...`)
    /// means nothing to the user, who wrote `rollout.spec...`.
    pub fn user_path(&self, path: &str) -> String {
        if self.manifest {
            return path.to_string();
        }
        let index = self
            .docs
            .first()
            .and_then(|d| d.get("objects"))
            .and_then(Json::as_array)
            .and_then(|objects| {
                let name = self.opts.rollout.as_deref();
                objects.iter().position(|d| {
                    d.get("kind").and_then(Json::as_str) == Some("Rollout")
                        && name.is_none_or(|n| {
                            d.pointer("/metadata/name").and_then(Json::as_str) == Some(n)
                        })
                })
            });
        match index.and_then(|i| path.strip_prefix(&format!("objects[{i}]"))) {
            Some(rest) if rest.is_empty() || rest.starts_with('.') => format!("rollout{rest}"),
            _ => path.to_string(),
        }
    }

    /// The load options every variant is loaded with.
    pub fn options(&self) -> &LoadOptions {
        &self.opts
    }

    /// Loads a variant's documents as if they were the base file (relative paths from its
    /// folder, the same options).
    pub fn load_variant(&self, text: &str) -> Result<Scenario, InputError> {
        scenario::load_text(&self.path, text, &self.opts)
    }
}

/// Documents as the loader reads them. JSON is YAML: the loader reads it as written.
/// Pretty-printed, so that every script item has a line of its own: runs name checks by line
/// (`checks_of`).
fn render(docs: &[Json]) -> String {
    docs.iter()
        .map(|d| {
            let text = serde_json::to_string_pretty(d).unwrap_or_else(|_| d.to_string());
            format!("---\n{text}\n")
        })
        .collect()
}

/// How one run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The update became Healthy at the new revision.
    Healthy,
    /// The update was aborted (by analysis or by the script).
    Aborted,
    /// The rollout ended Degraded without an abort (e.g. `progressDeadlineSeconds` passed).
    Degraded,
    /// Still going when the script or the timeout ended it.
    Unfinished,
}

/// A check of the scenario whose share of runs that held it the sweep reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// How the reports name it: `script[0] wait {phase: Healthy}`, `invariant maxPods: 6`.
    pub label: String,
    kind: CheckKind,
}

#[derive(Debug, Clone, PartialEq)]
enum CheckKind {
    /// A script `expect` or `wait` at this line.
    Script { line: u32, check: &'static str },
    /// The top-level `expect`.
    Final,
    /// An invariant, by its text (as failures name it).
    Invariant(String),
}

/// The checks of a scenario, in file order: script `expect`s and `wait`s, the final
/// `expect`, then the invariants.
pub fn checks_of(sc: &Scenario) -> Vec<Check> {
    let mut out = Vec::new();
    // Named by their place in the script: a variant is loaded from rewritten text, whose
    // line numbers are not the file's.
    for (i, item) in sc.script.iter().enumerate() {
        let (check, c) = match &item.action {
            ScriptAction::Expect(c) => ("expect", c),
            ScriptAction::WaitUntil(c) => ("wait", c),
            _ => continue,
        };
        out.push(Check {
            label: format!("script[{i}] {check} {{{c}}}"),
            kind: CheckKind::Script {
                line: item.line,
                check,
            },
        });
    }
    if let Some(c) = &sc.expect {
        out.push(Check {
            label: format!("final expect {{{c}}}"),
            kind: CheckKind::Final,
        });
    }
    for inv in &sc.invariants {
        out.push(Check {
            label: format!("invariant {inv}"),
            kind: CheckKind::Invariant(inv.to_string()),
        });
    }
    out
}

/// Whether `check` held in a run: a script check or the final expect must have been checked
/// and passed (a check the run never got to, after a failed wait, did not hold); an
/// invariant must never have been broken.
fn held(result: &RunResult, check: &Check) -> bool {
    let failed = |line: Option<u32>, name: &str, cond: Option<&str>| {
        result.failures.iter().any(|f| {
            f.check == name
                && line.is_none_or(|l| f.line == l)
                && cond.is_none_or(|c| f.condition == c)
        })
    };
    let passed = |line: Option<u32>, name: &str| {
        result.journal.iter().any(|e| {
            matches!(&e.kind, EntryKind::ExpectationChecked { ok: true, check, line: l, .. }
                if check == name && line.is_none_or(|x| x == *l))
        })
    };
    match &check.kind {
        CheckKind::Script { line, check } => {
            passed(Some(*line), check) && !failed(Some(*line), check, None)
        }
        CheckKind::Final => passed(None, "final expect") && !failed(None, "final expect", None),
        CheckKind::Invariant(text) => !failed(None, "invariant", Some(text)),
    }
}

/// One canary step of a variant's Rollout, as the sweep reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepStep {
    /// Argo's wording (`setWeight: 20`, `pause: 1m`), for people.
    pub text: String,
    /// What kind of step it is, for readers to match on.
    pub kind: StepKind,
    /// The setWeight in force once the step has started.
    pub weight: u32,
}

/// The canary steps of the scenario's Rollout: Argo's wording, their kind, and the setWeight
/// in force once the step has started (empty for blue-green).
pub fn steps_of(sc: &Scenario) -> Vec<SweepStep> {
    let Some(c) = sc.manifests.rollouts.first().and_then(|r| r.spec.canary()) else {
        return Vec::new();
    };
    let mut weight = 0;
    c.steps
        .iter()
        .map(|s| {
            if let Some(w) = s.set_weight {
                weight = w;
            }
            SweepStep {
                text: s.describe(),
                kind: StepKind::of(s),
                weight,
            }
        })
        .collect()
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct RunStats {
    /// The seed of the run.
    pub seed: u64,
    /// How the run ended.
    pub outcome: Outcome,
    /// From the creation of the new ReplicaSet to its promotion or the abort (seconds).
    pub time_to_done: Option<f64>,
    /// Requests and failed requests the new version served.
    pub requests: u64,
    /// Of those, the ones that failed.
    pub failed: u64,
    /// The most non-terminating pods of the rollout at any moment of the run.
    pub peak_pods: u32,
    /// ∫ max(0, pods − spec.replicas) dt over the update (a whole number of pod-milliseconds,
    /// in seconds, so that it survives a trip through JSON exactly).
    pub pod_seconds_above: f64,
    /// Per check of the variant ([`checks_of`]): whether it held.
    pub held: Vec<bool>,
    /// Canary steps started before an abort (every step for a run that became Healthy: a
    /// full promotion passes the steps it skips).
    pub steps_reached: u32,
}

/// Reads a run's journal: the figures, which of `checks` held, how far the `steps` went.
pub fn stats_of(result: &RunResult, seed: u64, checks: &[Check], steps: usize) -> RunStats {
    let steps = u32::try_from(steps).unwrap_or(u32::MAX);
    let mut start: Option<SimTime> = None;
    let mut new_hash = String::new();
    let mut done: Option<SimTime> = None;
    let mut aborted = false;
    let mut peak = 0u32;
    // Pod-milliseconds: integers add up exactly.
    let mut above: u64 = 0;
    let mut reached: u32 = 0;
    let mut last: Option<(SimTime, u32, u32)> = None;
    for e in result.journal.iter() {
        match &e.kind {
            EntryKind::ReplicaSetCreated { name, revision, .. }
                if *revision >= 2 && start.is_none() =>
            {
                start = Some(e.t);
                new_hash = name.rsplit('-').next().unwrap_or_default().to_string();
            }
            EntryKind::Promoted { revision, .. } if *revision >= 2 && done.is_none() => {
                done = Some(e.t);
            }
            EntryKind::Aborted { .. } if done.is_none() && start.is_some() => {
                done = Some(e.t);
                aborted = true;
            }
            EntryKind::StepStarted { index, .. } if start.is_some() && !aborted => {
                reached = reached.max(index + 1);
            }
            EntryKind::RolloutStatus(id) if start.is_some() && done.is_none() => {
                let s = result.journal.snapshot(*id);
                if let Some((t0, current, desired)) = last {
                    let dt = e.t.as_millis() - t0.as_millis();
                    above += u64::from(current.saturating_sub(desired)) * dt;
                }
                peak = peak.max(s.current);
                last = Some((e.t, s.current, s.desired));
            }
            _ => {}
        }
    }
    if let (Some((t0, current, desired)), Some(end)) = (last, done.or(Some(result.end))) {
        let dt = end.as_millis().saturating_sub(t0.as_millis());
        above += u64::from(current.saturating_sub(desired)) * dt;
    }
    let outcome = if aborted {
        Outcome::Aborted
    } else if done.is_some() && result.summary.phase == Phase::Healthy {
        Outcome::Healthy
    } else if result.summary.phase == Phase::Degraded {
        Outcome::Degraded
    } else {
        Outcome::Unfinished
    };
    let (requests, failed) = result
        .summary
        .traffic
        .iter()
        .find(|v| v.hash == new_hash)
        .map_or((0, 0), |v| (v.requests, v.failed));
    RunStats {
        seed,
        outcome,
        time_to_done: match (start, done) {
            (Some(s), Some(d)) => Some((d.as_millis() - s.as_millis()) as f64 / 1000.0),
            _ => None,
        },
        requests,
        failed,
        peak_pods: peak,
        pod_seconds_above: above as f64 / 1000.0,
        held: checks.iter().map(|c| held(result, c)).collect(),
        steps_reached: if outcome == Outcome::Healthy {
            steps
        } else {
            reached.min(steps)
        },
    }
}

/// One variant: its values and the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantResult {
    /// `path=value` for each `--set`, in order.
    pub values: Vec<(String, Json)>,
    /// The labels of the variant's checks ([`checks_of`]), in the order of `RunStats::held`.
    pub checks: Vec<String>,
    /// The variant's canary steps and their weights ([`steps_of`]).
    pub steps: Vec<SweepStep>,
    /// One per seed the sweep (or shard) ran, in seed order.
    pub runs: Vec<RunStats>,
}

impl VariantResult {
    /// `path=value ...`: how tables and messages name the variant.
    pub fn label(&self) -> String {
        self.values
            .iter()
            .map(|(p, v)| match v {
                Json::String(s) => format!("{p}={s}"),
                other => format!("{p}={other}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// How many of the runs ended with outcome `o`.
    pub fn count(&self, o: Outcome) -> usize {
        self.runs.iter().filter(|r| r.outcome == o).count()
    }
}

/// The nearest-rank percentile of `values` (`p` in 0..=100); `None` when empty.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a whole rank of at least 1 (`max` also turns NaN into 1); above `len` only for p > 100, which `min` below clamps"
    )]
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    Some(v[rank.min(v.len()) - 1])
}

/// The cross product of the sets' values, first set varying slowest.
pub fn variants(sets: &[SetSpec]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for s in sets {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..s.values.len()).map(move |i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect();
    }
    out
}

/// A variant whose scenario does not load.
#[derive(Debug)]
pub struct VariantError {
    /// The variant's label ([`VariantResult::label`]).
    pub label: String,
    /// What went wrong.
    pub error: VariantProblem,
}

/// What kept a variant from running.
#[derive(Debug)]
pub enum VariantProblem {
    /// A `--set` path does not fit the scenario's documents.
    Path(String),
    /// The variant's scenario does not load.
    Input(InputError),
    /// The simulator itself failed on one of the variant's runs (exit code 3).
    Engine(sim::EngineFailure),
}

/// Runs every variant `runs` times (seeds `seed`, `seed + 1`, ...) in parallel; `tick` is
/// called once per finished run (for a progress bar).
pub fn run(
    base: &Base,
    sets: &[SetSpec],
    runs: u32,
    seed: u64,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<VariantResult>, VariantError> {
    run_shard(base, sets, runs, seed, None, tick)
}

/// Shard `index` (1-based) of `count`: the (variant, seed) pairs at positions `index - 1`,
/// `index - 1 + count`... of the sweep's ordered list (variants in order, seeds within each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    /// Which shard, from 1.
    pub index: usize,
    /// How many shards the sweep is cut into.
    pub count: usize,
}

/// [`run`] of one shard only: every variant is listed, with only the runs the shard owns
/// (`None`: all of them).
pub fn run_shard(
    base: &Base,
    sets: &[SetSpec],
    runs: u32,
    seed: u64,
    shard: Option<Slice>,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<VariantResult>, VariantError> {
    let combos = variants(sets);
    let mut loaded = Vec::with_capacity(combos.len());
    for combo in &combos {
        let assignments: Vec<(&SetSpec, &Json)> = sets
            .iter()
            .zip(combo)
            .map(|(s, &i)| (s, &s.values[i]))
            .collect();
        let values: Vec<(String, Json)> = assignments
            .iter()
            .map(|(s, v)| (s.path_text.clone(), (*v).clone()))
            .collect();
        let label = VariantResult {
            values: values.clone(),
            checks: Vec::new(),
            steps: Vec::new(),
            runs: Vec::new(),
        }
        .label();
        let text = base.variant_text(&assignments).map_err(|e| VariantError {
            label: label.clone(),
            error: VariantProblem::Path(e),
        })?;
        let sc = base.load_variant(&text).map_err(|e| VariantError {
            label: label.clone(),
            error: VariantProblem::Input(e),
        })?;
        loaded.push((values, sc));
    }
    let jobs: Vec<(usize, u64)> = (0..loaded.len())
        .flat_map(|v| (0..u64::from(runs)).map(move |k| (v, seed + k)))
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|s| i % s.count == s.index - 1))
        .map(|(_, job)| job)
        .collect();
    let checks: Vec<Vec<Check>> = loaded.iter().map(|(_, sc)| checks_of(sc)).collect();
    let steps: Vec<Vec<SweepStep>> = loaded.iter().map(|(_, sc)| steps_of(sc)).collect();
    let stats: Vec<(usize, Result<RunStats, sim::EngineFailure>)> = jobs
        .par_iter()
        .map(|&(v, s)| {
            let result = sim::run_with_seed(&loaded[v].1, s);
            tick();
            match result.engine_failure.clone() {
                Some(f) => (v, Err(f)),
                None => (v, Ok(stats_of(&result, s, &checks[v], steps[v].len()))),
            }
        })
        .collect();
    let mut out: Vec<VariantResult> = loaded
        .into_iter()
        .zip(checks.iter().zip(steps))
        .map(|((values, _), (checks, steps))| VariantResult {
            values,
            checks: checks.iter().map(|c| c.label.clone()).collect(),
            steps,
            runs: Vec::new(),
        })
        .collect();
    for (v, s) in stats {
        match s {
            Ok(s) => out[v].runs.push(s),
            // The first failure in job order, whatever the threads' timing.
            Err(f) => {
                return Err(VariantError {
                    label: out[v].label(),
                    error: VariantProblem::Engine(f),
                });
            }
        }
    }
    Ok(out)
}

/// The 95 % Wilson score interval of `k` successes in `n` trials: unlike `k/n ± 1.96 σ` it
/// stays inside 0..1 and is honest for 0 of 20 or 20 of 20. `(0, 1)` when `n` is 0.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    const Z: f64 = 1.959_963_984_540_054;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z * Z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Why shards could not be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(pub String);

/// One shard's output, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Where it was read from, for messages.
    pub name: String,
    /// Which shard of how many it holds.
    pub shard: Slice,
    /// `--runs` and the first seed of the whole sweep.
    pub runs: u32,
    /// The first seed of the whole sweep.
    pub seed: u64,
    /// Every variant of the sweep, with the shard's runs only.
    pub variants: Vec<VariantResult>,
}

/// Puts the shards of one sweep back together: every shard of the same count exactly once,
/// the same variants, and every (variant, seed) pair exactly once. Runs are ordered by seed,
/// as the whole sweep orders them.
pub fn merge(mut parts: Vec<Part>) -> Result<Vec<VariantResult>, MergeError> {
    let err = |m: String| Err(MergeError(m));
    parts.sort_by_key(|p| p.shard.index);
    let Some(first) = parts.first() else {
        return err("no parts to merge".into());
    };
    let (count, runs, seed) = (first.shard.count, first.runs, first.seed);
    for p in &parts {
        // `sweep --shard` only writes 1 <= I <= N; a part outside that range was edited or
        // written by something else, and its runs would be counted without being checked
        // against any slice of the sweep.
        if p.shard.index == 0 || p.shard.index > p.shard.count {
            return err(format!(
                "{}: shard {}/{} is not a shard of a sweep (write them with `sweep --shard I/N`, 1 <= I <= N)",
                p.name, p.shard.index, p.shard.count
            ));
        }
        if p.shard.count != count || p.runs != runs || p.seed != seed {
            return err(format!(
                "{}: shard {}/{} of a sweep of {} runs from seed {} does not belong with {}: shard {}/{count}, {runs} runs from seed {seed}",
                p.name, p.shard.index, p.shard.count, p.runs, p.seed, first.name, first.shard.index
            ));
        }
        if p.variants.len() != first.variants.len()
            || p.variants
                .iter()
                .zip(&first.variants)
                .any(|(a, b)| a.values != b.values)
        {
            return err(format!(
                "{}: its variants differ from those of {} (not the same --set)",
                p.name, first.name
            ));
        }
    }
    if let Some(w) = parts
        .windows(2)
        .find(|w| w[0].shard.index == w[1].shard.index)
    {
        return err(format!(
            "shard {}/{count} is given twice ({} and {})",
            w[0].shard.index, w[0].name, w[1].name
        ));
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !parts.iter().any(|p| p.shard.index == *k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return err(format!("missing shard(s) {}", missing.join(", ")));
    }
    let template = first.variants.clone();
    let mut out: Vec<VariantResult> = template
        .into_iter()
        .map(|v| VariantResult {
            runs: Vec::new(),
            ..v
        })
        .collect();
    for p in parts {
        for (v, pv) in out.iter_mut().zip(p.variants) {
            v.runs.extend(pv.runs);
        }
    }
    for v in &mut out {
        v.runs.sort_by_key(|r| r.seed);
        let seeds: Vec<u64> = v.runs.iter().map(|r| r.seed).collect();
        let want: Vec<u64> = (0..u64::from(runs)).map(|k| seed + k).collect();
        if seeds != want {
            return err(format!(
                "variant {}: the parts hold seeds {:?}, not {runs} runs from seed {seed}",
                v.label(),
                seeds
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_version_brings_its_spec_and_its_objects_into_the_scenario() {
        let rollout = |name: &str, weight: u32| {
            json!({"kind": "Rollout", "metadata": {"name": name},
                   "spec": {"strategy": {"canary": {"steps": [{"setWeight": weight}]}}}})
        };
        let template = |name: &str, count: u32| {
            json!({"kind": "AnalysisTemplate", "metadata": {"name": name},
                   "spec": {"metrics": [{"name": "m", "count": count}]}})
        };
        let service = json!({"kind": "Service", "metadata": {"name": "svc"}});
        let scenario = Base {
            path: PathBuf::from("bad.yaml"),
            manifest: false,
            docs: vec![json!({"name": "bad", "objects": [
                rollout("app", 20), template("rate", 1), service.clone()
            ]})],
            opts: LoadOptions::default(),
        };
        let version = Base {
            path: PathBuf::from("new.yaml"),
            manifest: true,
            docs: vec![
                rollout("renamed", 5),
                template("rate", 4),
                template("latency", 2),
            ],
            opts: LoadOptions::default(),
        };
        let text = scenario.with_rollout_of(&version).unwrap();
        let doc: Json = serde_json::from_str(text.trim_start_matches("---\n")).unwrap();
        assert_eq!(
            doc["objects"],
            json!([
                // The scenario's name, the version's spec.
                {"kind": "Rollout", "metadata": {"name": "app"},
                 "spec": {"strategy": {"canary": {"steps": [{"setWeight": 5}]}}}},
                template("rate", 4),
                service,
                template("latency", 2),
            ])
        );
        assert_eq!(doc["name"], "bad");
    }

    #[test]
    fn wilson_intervals() {
        let (lo, hi) = wilson(14, 200);
        // 7 %: the interval is about 4.2 % to 11.4 %.
        assert!((lo - 0.0424).abs() < 0.001, "{lo}");
        assert!((hi - 0.1137).abs() < 0.001, "{hi}");
        let (lo, hi) = wilson(0, 20);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.15 && hi < 0.17, "{hi}");
        let (lo, hi) = wilson(20, 20);
        assert!(lo > 0.83 && lo < 0.85, "{lo}");
        assert!((hi - 1.0).abs() < 1e-12, "{hi}");
        assert_eq!(wilson(0, 0), (0.0, 1.0));
    }

    #[test]
    fn set_arguments_parse() {
        let s = parse_set("rollout.spec.strategy.canary.steps[0].setWeight=5,10,20").unwrap();
        assert_eq!(s.path.len(), 7);
        assert_eq!(s.path[5], Seg::Index(0));
        assert_eq!(
            s.values,
            vec![Json::from(5), Json::from(10), Json::from(20)]
        );
        let s = parse_set("apps[1].errorRate=0.01,0.05").unwrap();
        assert_eq!(s.values[1], Json::from(0.05));
        assert!(parse_set("apps[x].errorRate=1").is_err());
        assert!(parse_set("noequals").is_err());
        assert_eq!(parse_set("a=1s").unwrap().values[0], Json::from("1s"));
        // A range: evenly spaced, both ends included, no float noise.
        let r = parse_set("apps[1].errorRate=0..0.1/11").unwrap();
        assert_eq!(r.values.len(), 11);
        assert_eq!(r.values[0], Json::from(0));
        assert_eq!(r.values[3], Json::from(0.03));
        assert_eq!(r.values[10], Json::from(0.1));
        let w = parse_set("rollout.spec.replicas=2..10/5").unwrap();
        assert_eq!(w.values, [2, 4, 6, 8, 10].map(Json::from).to_vec());
        assert!(parse_set("a=0..1/1").is_err());
        assert!(parse_set("a=0..1/x").is_err());
    }

    #[test]
    fn variants_are_the_cross_product() {
        let sets = [parse_set("a=1,2").unwrap(), parse_set("b=x,y,z").unwrap()];
        let v = variants(&sets);
        assert_eq!(v.len(), 6);
        assert_eq!(v[0], vec![0, 0]);
        assert_eq!(v[5], vec![1, 2]);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v = [5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(percentile(&v, 50.0), Some(3.0));
        assert_eq!(percentile(&v, 95.0), Some(5.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
