//! The exit codes of every command (SCENARIO.md §3), in one place that depends on nothing, so
//! that every other file of the command line may use them.

/// Success: the scenario passed, the inputs are valid, the output was written.
pub(super) const EXIT_OK: i32 = 0;
/// A scenario's expectation, wait or invariant failed (or a `--fail-if` threshold was crossed,
/// or a plan never became Healthy).
pub(super) const EXIT_FAILED: i32 = 1;
/// Invalid input: a file, a flag or an output folder the command cannot use.
pub(super) const EXIT_INVALID: i32 = 2;
/// The simulator itself failed (a budget of the run was exceeded): never the rollout's verdict.
pub(super) const EXIT_ENGINE: i32 = 3;
