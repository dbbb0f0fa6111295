//! The library's layers: every top-level module of `src/` has a place in [`LAYERS`], and may
//! use only the modules placed before it. The test reads the sources (comments left out) and
//! fails on any `crate::X` path, and any `super::` path that leaves its module, which names a
//! module placed later: an import that goes up the order, and so the start of a cycle.
//!
//! The order is declared here, once; docs/architecture.md draws it (top to bottom, from the
//! command line down to virtual time) and the last test keeps the drawing in step with it.
//! A new top-level module must be placed in it, where its imports put it.

use std::fs;
use std::path::{Path, PathBuf};

/// The layers, bottom first. A module may use any module before it, none after it.
const LAYERS: &[&str] = &[
    // The API types (Argo's pkg/apis): Rollout, AnalysisTemplate, experiment step, Service.
    // They use nothing of ours.
    "api",
    // Virtual time, random streams and the event queue.
    "engine",
    // YAML text with positions, field paths and diagnostics.
    "input",
    // The controllers' rules: analysis runs, then the rollout controller (which starts them).
    "analysis",
    "rollout",
    // Reading and validating manifests, with the controllers' own arithmetic.
    "manifest",
    // The experiment controller (its tests read manifests).
    "experiment",
    // The simulated cluster, the scenario file, the traffic model.
    "cluster",
    "scenario",
    "traffic",
    // The simulation and its journal.
    "sim",
    // Many runs of one scenario (sweep), then everything rendered from journals and results.
    "sweep",
    "output",
    // What reads runs and renders them: plan, diff of two plans, lint.
    "plan",
    "diff",
    "lint",
    // The command line.
    "cli",
];

/// Files of `src/` that are not inside a module of the order: the crate root and the binary.
const ROOTS: &[&str] = &["lib.rs", "main.rs"];

/// The modules the binary declares (`mod X;` in `src/main.rs`). They are another crate, on top
/// of the whole library: `crate::` there names the binary's own modules, so they are not
/// checked against the order (and may be named in it, or not).
fn binary_modules() -> Vec<String> {
    let main = fs::read_to_string(src_dir().join("main.rs")).unwrap_or_default();
    main.lines()
        .map(|l| code_of(l).trim().to_string())
        .filter_map(|l| {
            let l = l.strip_prefix("pub ").unwrap_or(&l).to_string();
            l.strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_string)
        })
        .collect()
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file relative to `src/` (`rollout/canary.rs` -> `[rollout, canary]`,
/// `analysis/mod.rs` -> `[analysis]`, `plan.rs` -> `[plan]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut segs: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    segs
}

/// The code of a line: without its `//` comment, string literals blanked and the brace and
/// quote character literals taken out, so that neither a path in a message nor a `'{'` is
/// read as code. (A string running over several lines is read as code after its first line:
/// it could only add a path, which would then show in the failure.)
fn code_of(line: &str) -> String {
    let line = line
        .replace("'{'", "' '")
        .replace("'}'", "' '")
        .replace("'\\\"'", "' '")
        .replace("'\"'", "' '");
    let mut out = String::with_capacity(line.len());
    let mut in_string = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
                out.push_str("  ");
            }
            '"' => {
                in_string = !in_string;
                out.push('"');
            }
            '/' if !in_string && chars.peek() == Some(&'/') => break,
            _ if in_string => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The first segment after each `crate::` in `code`, with the names of a `crate::{a, b::c}`
/// group (which may run over several lines: `rest` is the code after this line).
fn crate_targets(code: &str, rest: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("crate::") {
        let at = from + i;
        from = at + "crate::".len();
        // `$crate::` in a macro, or a longer identifier such as `rollout_sim_crate::`.
        if code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| is_ident(c) || c == '$')
        {
            continue;
        }
        let after = &code[from..];
        if let Some(group) = after.strip_prefix('{') {
            let mut text = group.to_string();
            for l in rest {
                if text.contains('}') {
                    break;
                }
                text.push_str(&code_of(l));
            }
            out.extend(group_names(&text));
        } else {
            let name: String = after.chars().take_while(|c| is_ident(*c)).collect();
            out.push(name);
        }
    }
    out
}

/// The first segment of each item of a `{...}` group, up to its closing brace.
fn group_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0;
    let mut item = String::new();
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                names.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            item.push(c);
        }
    }
    names.push(item);
    names
        .iter()
        .map(|n| {
            n.trim()
                .chars()
                .take_while(|c| is_ident(*c))
                .collect::<String>()
        })
        .filter(|n| !n.is_empty() && n != "self")
        .collect()
}

/// One import that goes up the order.
#[derive(Debug)]
struct Violation {
    file: String,
    line: usize,
    from: String,
    to: String,
}

/// Every top-level module a line of `file` names, as `(line, module)`. `super::` paths are
/// resolved against the file's module and the inline modules (`mod tests {`) open at the line;
/// one that climbs to the crate root names the module after it.
fn imports_of(file: &Path, text: &str) -> Vec<(usize, String)> {
    let rel = file.strip_prefix(src_dir()).expect("a file under src/");
    let depth = module_path(rel).len();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    // Brace depths at which inline modules were opened.
    let mut inline: Vec<i64> = Vec::new();
    let mut braces: i64 = 0;
    for (n, raw) in lines.iter().enumerate() {
        let code = code_of(raw);
        let code = code.as_str();
        let trimmed = code.trim_start();
        let opens_mod = (trimmed.starts_with("mod ") || trimmed.starts_with("pub mod "))
            && trimmed.trim_end().ends_with('{');
        for name in crate_targets(code, &lines[n + 1..]) {
            out.push((n + 1, name));
        }
        let mut from = 0;
        while let Some(i) = code[from..].find("super::") {
            let at = from + i;
            if code[..at].chars().next_back().is_some_and(is_ident) {
                from = at + 1;
                continue;
            }
            let mut rest = &code[at..];
            let mut ups = 0;
            while let Some(r) = rest.strip_prefix("super::") {
                ups += 1;
                rest = r;
            }
            from = code.len() - rest.len();
            if depth + inline.len() == ups {
                // At the crate root: the next segment is a top-level module.
                let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
                out.push((n + 1, name));
            }
        }
        for c in code.chars() {
            match c {
                '{' => braces += 1,
                '}' => {
                    braces -= 1;
                    if inline.last() == Some(&braces) {
                        inline.pop();
                    }
                }
                _ => {}
            }
        }
        if opens_mod {
            // The brace just counted opened the module.
            inline.push(braces - 1);
        }
    }
    out
}

/// Checks every file under `src/` against [`LAYERS`]: the violations, and the files in no
/// module of the order.
fn check(layers: &[&str]) -> (Vec<Violation>, Vec<String>) {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let place = |m: &str| layers.iter().position(|l| *l == m);
    let binary = binary_modules();
    let mut violations = Vec::new();
    let mut unplaced = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under src/");
        let shown = format!("src/{}", rel.display());
        // The crate roots, and other binaries (`src/bin/`), which sit on top of the library.
        if ROOTS.iter().any(|r| Path::new(r) == rel) || rel.starts_with("bin") {
            continue;
        }
        let own = module_path(rel)[0].clone();
        if binary.contains(&own) {
            continue;
        }
        let Some(own_place) = place(&own) else {
            unplaced.push(shown);
            continue;
        };
        let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("cannot read {shown}: {e}"));
        for (line, target) in imports_of(f, &text) {
            // Not a module of ours (`crate::VERSION`, a macro): nothing to order.
            let Some(target_place) = place(&target) else {
                continue;
            };
            if target_place > own_place {
                violations.push(Violation {
                    file: shown.clone(),
                    line,
                    from: own.clone(),
                    to: target,
                });
            }
        }
    }
    (violations, unplaced)
}

#[test]
fn every_import_goes_down_the_layer_order() {
    let (violations, _) = check(LAYERS);
    let report: Vec<String> = violations
        .iter()
        .map(|v| {
            format!(
                "{}:{}: `{}` uses `{}`, which is above it in the layer order",
                v.file, v.line, v.from, v.to
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "imports against the layer order (tests/it/layers.rs, docs/architecture.md):\n{}",
        report.join("\n")
    );
}

#[test]
fn every_module_has_a_place_in_the_order() {
    let (_, unplaced) = check(LAYERS);
    assert!(
        unplaced.is_empty(),
        "files of src/ in no module of LAYERS (tests/it/layers.rs): place their module \
         where its imports put it: {unplaced:?}"
    );
    let declared = fs::read_to_string(src_dir().join("lib.rs")).expect("src/lib.rs");
    let binary = binary_modules();
    for layer in LAYERS {
        assert!(
            declared.contains(&format!("pub mod {layer};")) || binary.iter().any(|b| b == layer),
            "LAYERS names `{layer}`, which neither src/lib.rs nor src/main.rs declares"
        );
    }
}

#[test]
fn the_checker_sees_imports_that_go_up() {
    // The same sources against an order turned upside down: every import of one module by
    // another is then a violation, so the scan must find some, in the direction it claims.
    let reversed: Vec<&str> = LAYERS.iter().rev().copied().collect();
    let (violations, _) = check(&reversed);
    assert!(
        violations
            .iter()
            .any(|v| v.from == "rollout" && v.to == "api"),
        "the rollout controller uses the API types"
    );
    assert!(
        violations
            .iter()
            .any(|v| v.from == "manifest" && v.to == "input"),
        "manifest reads its YAML through input"
    );
    assert!(
        violations
            .iter()
            .all(|v| v.from != "engine" && v.from != "input"),
        "engine and input use no module of ours: {violations:?}"
    );
}

#[test]
fn super_paths_and_groups_are_resolved() {
    assert_eq!(
        crate_targets("use crate::{api::Rollout, engine, self};", &[]),
        ["api", "engine"]
    );
    assert_eq!(
        crate_targets(
            "use crate::{",
            &["    sim::Entry,", "    output::jsonl,", "};"]
        ),
        ["sim", "output"]
    );
    assert_eq!(crate_targets("macro: $crate::x", &[]), Vec::<String>::new());
    let f = src_dir().join("plan.rs");
    let text =
        "use super::sim::run;\nmod tests {\n    use super::*;\n    use super::super::cli;\n}\n";
    assert_eq!(
        imports_of(&f, text),
        [(1, "sim".to_string()), (4, "cli".to_string())]
    );
}

#[test]
fn docs_draw_the_same_order() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md");
    let doc = fs::read_to_string(&path).expect("docs/architecture.md");
    let start = doc
        .find("<!-- layers:begin -->")
        .expect("docs/architecture.md marks its layer diagram with <!-- layers:begin -->");
    let end = doc[start..]
        .find("<!-- layers:end -->")
        .expect("and <!-- layers:end -->")
        + start;
    // Top to bottom in the drawing; the first word of each line is a module (or several,
    // `a / b`, for modules side by side).
    let mut drawn: Vec<String> = doc[start..end]
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty() && !l.starts_with("```"))
        .flat_map(|l| {
            let names = l.split("  ").next().unwrap_or("");
            names
                .split('/')
                .rev()
                .map(|n| n.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|n| !n.is_empty())
        .collect();
    drawn.reverse();
    assert_eq!(
        drawn, LAYERS,
        "docs/architecture.md's diagram must list the layers of tests/it/layers.rs, top down"
    );
}
