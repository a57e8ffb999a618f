//! The in-place writer's word for a document it did not edit in place: why,
//! where, and how many this process wrote from their tree. Data only; it
//! must not decide what falls back (`text`, `ops` and `config` do).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Why a document was written from its tree instead of in place.
pub type Reason = &'static str;

/// A document written from its tree: why, and the node the writer was at
/// (none when the whole document was declined or failed the read-back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    pub reason: Reason,
    pub node: Option<String>,
}

impl From<Reason> for Fallback {
    fn from(reason: Reason) -> Self {
        Fallback { reason, node: None }
    }
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "written from its parsed tree, not edited in place ({}",
            self.reason
        )?;
        if let Some(node) = &self.node {
            write!(f, ", at {node}")?;
        }
        write!(f, "): its comments and layout are not kept")
    }
}

static FALLBACKS: AtomicUsize = AtomicUsize::new(0);

/// How many patched documents this process wrote from their tree because
/// the in-place writer declined them.
pub fn fallbacks() -> usize {
    FALLBACKS.load(Ordering::Relaxed)
}

/// Count a fallback.
pub fn count_fallback() {
    FALLBACKS.fetch_add(1, Ordering::Relaxed);
}
