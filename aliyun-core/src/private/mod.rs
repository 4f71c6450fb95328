//! What only generated code calls. Hidden from the docs (`#[doc(hidden)]` on the module): users
//! call the crate root, generated code calls this.

pub mod de;
pub mod fields;
pub mod validate;

/// The waiter engine generated `wait_until_*` builders call.
pub mod waiter {
    pub use crate::waiter::{
        Acceptor, Rule, Waiter, WaiterState, batches, wait, wait_paged, wait_single,
    };
}

pub use futures_util::stream::{BoxStream, Stream};
pub use serde;

pub use crate::{action_error, deserialize_fields, text_enum};

/// Whether a list or map has no entries (`skip_serializing_if` of JSON-text fields).
pub fn is_empty<T>(value: &T) -> bool
where
    for<'a> &'a T: IntoIterator,
{
    value.into_iter().next().is_none()
}
