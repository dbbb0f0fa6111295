//! Conditions are evaluated at every measurement: the common ones must not touch the heap.
//!
//! This is its own test binary because it installs a counting global allocator, and it holds
//! a single test so that no other thread allocates while it counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use rollout_sim::analysis::expr::{Program, Value};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn common_conditions_evaluate_without_allocating() {
    let vector = Value::Array(vec![Value::Float(0.97), Value::Float(0.99)]);
    let cases = [
        ("result[0] >= 0.95", vector.clone()),
        ("len(result) == 0 || result[0] >= 0.95", vector.clone()),
        ("result[-1] > 0.9 && result[0] < 1", vector.clone()),
        ("asInt(result) == 1", Value::Float(1.0)),
        ("default(result, 0) < 0.05", Value::Nil),
        ("default(result, 0) < 0.05", Value::Float(0.01)),
        ("isNaN(result) || isInf(result)", Value::Float(0.5)),
        ("result in [1, 2]", Value::Float(2.0)),
        ("0 == 0", Value::Nil),
        ("result > 1 ? false : true", Value::Float(0.5)),
    ];
    for (src, result) in &cases {
        let program = Program::compile(src).unwrap();
        // Warm up once (nothing is cached, but keep the measurement clean of first-use effects).
        program.eval_condition(result).unwrap();
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        for _ in 0..100 {
            program.eval_condition(result).unwrap();
        }
        let allocations = ALLOCATIONS.load(Ordering::SeqCst) - before;
        assert_eq!(
            allocations, 0,
            "{src} allocated {allocations} times in 100 runs"
        );
    }
}
