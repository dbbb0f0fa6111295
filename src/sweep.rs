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

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value as Json;

use crate::engine::SimTime;
use crate::input::de::from_node;
use crate::input::yaml::{parse_documents, read_text};
use crate::input::{FieldPath, InputError};
use crate::rollout::Phase;
use crate::scenario::{self, LoadOptions, Scenario};
use crate::sim::{self, EntryKind, RunResult};

/// One step of a `--set` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// `--set PATH=V1,V2,...`.
#[derive(Debug, Clone, PartialEq)]
pub struct SetSpec {
    /// As written, for labels.
    pub path_text: String,
    pub path: Vec<Seg>,
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

/// Parses `PATH=V1,V2,...`.
pub fn parse_set(arg: &str) -> Result<SetSpec, String> {
    let (path, values) = arg.split_once('=').ok_or_else(|| {
        format!("`{arg}`: write PATH=V1,V2,... (e.g. apps[0].errorRate=0.01,0.05)")
    })?;
    let values: Vec<Json> = values.split(',').map(scalar).collect();
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

/// Writes `value` at `path` under `node`; the last key may be new, nothing else may be.
fn set_at(node: &mut Json, path: &[Seg], value: Json, text: &str) -> Result<(), String> {
    let Some((last, inner)) = path.split_last() else {
        *node = value;
        return Ok(());
    };
    let mut cur = node;
    for seg in inner {
        cur = match seg {
            Seg::Key(k) => cur
                .get_mut(k)
                .ok_or_else(|| format!("`{text}`: there is no `{k}` here"))?,
            Seg::Index(i) => cur
                .get_mut(*i)
                .ok_or_else(|| format!("`{text}`: there is no element [{i}] here"))?,
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
        // JSON is YAML: the loader reads it as written.
        Ok(docs
            .iter()
            .map(|d| format!("---\n{d}\n"))
            .collect::<String>())
    }

    /// The load options every variant is loaded with.
    pub fn options(&self) -> &LoadOptions {
        &self.opts
    }

    pub fn load_variant(&self, text: &str) -> Result<Scenario, InputError> {
        scenario::load_text(&self.path, text, &self.opts)
    }
}

/// How one run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Healthy,
    Aborted,
    Degraded,
    /// Still going when the script or the timeout ended it.
    Unfinished,
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct RunStats {
    pub seed: u64,
    pub outcome: Outcome,
    /// From the creation of the new ReplicaSet to its promotion or the abort (seconds).
    pub time_to_done: Option<f64>,
    /// Requests and failed requests the new version served.
    pub requests: u64,
    pub failed: u64,
    pub peak_pods: u32,
    /// ∫ max(0, pods − spec.replicas) dt over the update.
    pub pod_seconds_above: f64,
}

/// Reads a run's journal.
pub fn stats_of(result: &RunResult, seed: u64) -> RunStats {
    let mut start: Option<SimTime> = None;
    let mut new_hash = String::new();
    let mut done: Option<SimTime> = None;
    let mut aborted = false;
    let mut peak = 0u32;
    let mut above = 0.0;
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
            EntryKind::RolloutStatus(s) if start.is_some() && done.is_none() => {
                if let Some((t0, current, desired)) = last {
                    let dt = (e.t.as_millis() - t0.as_millis()) as f64 / 1000.0;
                    above += f64::from(current.saturating_sub(desired)) * dt;
                }
                peak = peak.max(s.current);
                last = Some((e.t, s.current, s.desired));
            }
            _ => {}
        }
    }
    if let (Some((t0, current, desired)), Some(end)) = (last, done.or(Some(result.end))) {
        let dt = (end.as_millis().saturating_sub(t0.as_millis())) as f64 / 1000.0;
        above += f64::from(current.saturating_sub(desired)) * dt;
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
        pod_seconds_above: above,
    }
}

/// One variant: its values and the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantResult {
    /// `path=value` for each `--set`, in order.
    pub values: Vec<(String, Json)>,
    pub runs: Vec<RunStats>,
}

impl VariantResult {
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
    pub label: String,
    pub error: VariantProblem,
}

#[derive(Debug)]
pub enum VariantProblem {
    Path(String),
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
        .collect();
    let stats: Vec<(usize, Result<RunStats, sim::EngineFailure>)> = jobs
        .par_iter()
        .map(|&(v, s)| {
            let result = sim::run_with_seed(&loaded[v].1, s);
            tick();
            match result.engine_failure.clone() {
                Some(f) => (v, Err(f)),
                None => (v, Ok(stats_of(&result, s))),
            }
        })
        .collect();
    let mut out: Vec<VariantResult> = loaded
        .into_iter()
        .map(|(values, _)| VariantResult {
            values,
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

#[cfg(test)]
mod tests {
    use super::*;

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
