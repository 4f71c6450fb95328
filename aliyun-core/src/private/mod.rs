//! What only generated code calls. Hidden from the docs (`#[doc(hidden)]` on the module): users
//! call the crate root, generated code calls this.

pub mod de;
pub mod fields;
mod redact;
pub mod validate;

/// The waiter engine generated `wait_until_*` builders call.
pub mod waiter {
    pub use crate::waiter::{
        Acceptor, Rule, Waiter, WaiterState, batches, wait, wait_paged, wait_single,
    };
}

pub use futures_util::stream::{BoxStream, Stream};
pub use redact::{IsSet, Redacted};
pub use serde;

pub use crate::{action_error, builder_accessors, deserialize_fields, text_enum, untyped_output};

/// Writes the `set_*` and `get_*` accessors of a generated builder, the same for every field:
/// `set_x` replaces (or clears) what the builder holds for `x` (in its `params`), `get_x`
/// borrows it. Each entry
/// is `field::<StoredType>(set_field, get_field)`, with `list` or `map` after the two names for
/// a collection, and any attributes (`#[deprecated]`) before it.
///
/// The setter that takes one value (`x`) is written out by the generator, with the field's
/// facts in its doc.
#[doc(hidden)]
#[macro_export]
macro_rules! builder_accessors {
    ($builder:ident, $input:ident; $(
        $(#[$attr:meta])*
        $field:ident: $ty:ty => $set:ident, $get:ident $(, $kind:ident)?;
    )*) => {
        impl<C> $builder<C> {
            $(
                #[doc = $crate::__set_doc!($input, $field $(, $kind)?)]
                $(#[$attr])*
                pub fn $set(mut self, input: $ty) -> Self {
                    self.params.$field = input;
                    self
                }

                #[doc = concat!("The [`", stringify!($input), "::", stringify!($field), "`] set so far.")]
                $(#[$attr])*
                pub fn $get(&self) -> &$ty {
                    &self.params.$field
                }
            )*
        }
    };
}

/// The doc of a `set_*` accessor ([`builder_accessors!`]).
#[doc(hidden)]
#[macro_export]
macro_rules! __set_doc {
    ($input:ident, $field:ident) => {
        concat!(
            "Sets or clears [`",
            stringify!($input),
            "::",
            stringify!($field),
            "`]."
        )
    };
    ($input:ident, $field:ident, list) => {
        concat!(
            "Replaces the whole [`",
            stringify!($input),
            "::",
            stringify!($field),
            "`] list (`None` clears it)."
        )
    };
    ($input:ident, $field:ident, map) => {
        concat!(
            "Replaces the whole [`",
            stringify!($input),
            "::",
            stringify!($field),
            "`] map (`None` clears it)."
        )
    };
}

/// Whether a list or map has no entries (`skip_serializing_if` of JSON-text fields).
pub fn is_empty<T>(value: &T) -> bool
where
    for<'a> &'a T: IntoIterator,
{
    value.into_iter().next().is_none()
}
