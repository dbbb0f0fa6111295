//! The JUnit XML report of `rollout-sim test --junit FILE`, for CI systems.
//!
//! One `testcase` per scenario file: `name` is the path as printed on its PASS/FAIL line,
//! `classname` its folder, `time` the **virtual** time the run covered, in seconds (never the
//! wall-clock time, so that the same inputs and seeds give the same bytes; a `time` property
//! of the suite says so). A failed scenario carries one `failure` element: its message is the
//! first failed check, its text every failed check, one `at HH:MM:SS (line N) ...` line each,
//! as `test` prints them. An invalid scenario carries an `error` element with its diagnostics,
//! and so does a scenario whose run the simulator itself failed (exit code 3).
//!
//! Nothing variable is written: no timestamps, no host name, no report id (quick-junit adds
//! none unless asked).

use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::sim::RunResult;

/// The value of the suite's `time` property: what the `time` attributes measure.
pub const TIME_NOTE: &str =
    "virtual (simulated) seconds of each run, not wall-clock time; the report is deterministic";

/// A JUnit report being filled in, one scenario at a time, in the order they ran.
#[derive(Debug, Clone)]
pub struct JunitReport {
    suite: TestSuite,
}

impl JunitReport {
    /// A report whose single suite is called `name` (e.g. the paths given to `test`).
    pub fn new(name: &str) -> Self {
        let mut suite = TestSuite::new(name);
        suite.add_property(Property::new("time", TIME_NOTE));
        JunitReport { suite }
    }

    /// Adds a suite-level property (e.g. the `--seed` or `--shard` given).
    pub fn property(&mut self, name: &str, value: &str) {
        self.suite.add_property(Property::new(name, value));
    }

    /// Adds a scenario that ran with `seed`: passed, or failed with every failure listed.
    pub fn ran(&mut self, file: &Path, seed: u64, result: &RunResult) {
        let status = match result.failures.first() {
            // The simulator itself failed: an error of the tool, not a failing scenario.
            _ if result.engine_failure.is_some() => {
                let f = result.engine_failure.as_ref().map(ToString::to_string);
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(f.clone().unwrap_or_default());
                s.set_type("simulator failure");
                s.set_description(f.unwrap_or_default());
                s
            }
            None => TestCaseStatus::success(),
            Some(first) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(first.to_string());
                s.set_type(first.check.as_str());
                let all: Vec<String> = result.failures.iter().map(|f| f.to_string()).collect();
                s.set_description(all.join("\n"));
                s
            }
        };
        let mut case = Self::case(file, status);
        case.set_time(Duration::from_millis(result.end.as_millis()));
        case.add_property(Property::new("seed", seed.to_string()));
        self.suite.add_test_case(case);
    }

    /// Adds a scenario that could not be run: its diagnostics, one line each.
    pub fn invalid(&mut self, file: &Path, diagnostics: &[String]) {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
        s.set_message(
            diagnostics
                .first()
                .cloned()
                .unwrap_or_else(|| format!("{}: invalid scenario", file.display())),
        );
        s.set_type("invalid input");
        s.set_description(diagnostics.join("\n"));
        let mut case = Self::case(file, s);
        case.set_time(Duration::ZERO);
        self.suite.add_test_case(case);
    }

    fn case(file: &Path, status: TestCaseStatus) -> TestCase {
        let mut case = TestCase::new(file.display().to_string(), status);
        case.set_classname(classname(file));
        case
    }

    /// The XML: a `testsuites` root holding one `testsuite`, with the counts of both.
    pub fn to_xml(&self) -> String {
        let mut suite = self.suite.clone();
        let total: u64 = suite
            .test_cases
            .iter()
            .filter_map(|c| c.time)
            // Virtual test times are far below u64::MAX milliseconds; saturate if not.
            .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX))
            .sum();
        suite.set_time(Duration::from_millis(total));
        let mut report = Report::new("rollout-sim");
        report.set_time(Duration::from_millis(total));
        report.add_test_suite(suite);
        // Serialising an in-memory report into a String cannot fail: no I/O is involved.
        report
            .to_string()
            .unwrap_or_else(|e| format!("<!-- cannot serialise the report: {e} -->\n"))
    }

    /// Writes the XML to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_xml())
    }
}

/// The folder of a scenario file as `test` printed it (`.` for a bare file name).
fn classname(file: &Path) -> String {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
        _ => ".".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classname_is_the_folder() {
        assert_eq!(classname(Path::new("scenarios/a.yaml")), "scenarios");
        assert_eq!(classname(Path::new("a/b/c.yaml")), "a/b");
        assert_eq!(classname(Path::new("c.yaml")), ".");
    }

    #[test]
    fn invalid_case_is_an_error_with_no_variable_attributes() {
        let mut r = JunitReport::new("suite");
        r.invalid(
            Path::new("x/bad.yaml"),
            &[
                "x/bad.yaml:1:1: error: a".into(),
                "x/bad.yaml:2:1: error: b".into(),
            ],
        );
        let xml = r.to_xml();
        assert!(xml.contains(r#"errors="1""#), "{xml}");
        assert!(
            xml.contains(r#"<error message="x/bad.yaml:1:1: error: a""#),
            "{xml}"
        );
        assert!(!xml.contains("timestamp") && !xml.contains("uuid") && !xml.contains("hostname"));
        assert_eq!(xml, r.to_xml());
    }
}
