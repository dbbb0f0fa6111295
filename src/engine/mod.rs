//! The discrete-event engine: virtual time, the event queue that alone moves the clock, and the
//! seeded random substreams every random draw comes from.

pub mod queue;
pub mod rng;
pub mod time;

pub use queue::EventQueue;
pub use rng::{Rngs, Stream};
pub use time::{SimDuration, SimTime, parse_duration, parse_instant, parse_strict_duration};
