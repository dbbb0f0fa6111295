//! The `rollout-sim` binary: the command line of the simulator (`cli/`, one file per command),
//! which parses flags, calls the `rollout_sim` library, prints, and maps outcomes to exit codes.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
