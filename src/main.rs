//! The `rollout-sim` binary: parses the command line and maps outcomes to exit codes.

fn main() {
    std::process::exit(rollout_sim::cli::main());
}
