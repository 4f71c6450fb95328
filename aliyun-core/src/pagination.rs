//! Paging through list actions as a stream of pages or of items.
//!
//! Generated code implements [`Paginated`] for each action with a `pagination` section in its
//! spec, saying how to set the cursor on the input and where the items and the next cursor are
//! in the output. The stepping logic (when to stop, guarding against a service that repeats a
//! token) lives here once, for the three styles: `NextToken`/`MaxResults`,
//! `Marker`/`MaxItems` with `IsTruncated`, and `PageNumber`/`PageSize`/`TotalCount`.

use std::marker::PhantomData;

use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::action::Action;
use crate::client::ProductClient;
use crate::error::{Error, InvalidInput};

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// The `NextToken` (or `Marker`) from the previous page.
    Token(String),
    /// A page number (from 1).
    Page(i32),
}

/// An action whose results come in pages.
pub trait Paginated: Action + Clone + 'static {
    /// One item of the list.
    type Item: Send + 'static;

    /// Sets the cursor of the next request on the input.
    fn set_cursor(&mut self, cursor: &Cursor);

    /// The cursor of the page after `output`, or `None` on the last page. Generated code answers
    /// with [`next_token_cursor`], [`next_marker_cursor`] or [`next_page_cursor`].
    fn next_cursor(&self, output: &Self::Output) -> Option<Cursor>;

    /// The items of one page.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
}

/// The next cursor in the next-token style: none when the token is absent or empty.
pub fn next_token_cursor(next_token: Option<&str>) -> Option<Cursor> {
    next_token
        .filter(|token| !token.is_empty())
        .map(|token| Cursor::Token(token.to_owned()))
}

/// The next cursor in the marker style: the marker, while the service says the list is
/// truncated; none once `truncated` is false or absent, or the marker is absent or empty.
pub fn next_marker_cursor(truncated: Option<bool>, marker: Option<&str>) -> Option<Cursor> {
    if truncated != Some(true) {
        return None;
    }
    next_token_cursor(marker)
}

/// The next cursor in the page-number style.
///
/// `page` is the page just fetched (default 1), `page_size` the size asked for (if any),
/// `total` the total count the service reported (if any), `items` how many items this page had.
/// Stops on an empty page, once `page * size` reaches the total, or (without a total) on a page
/// shorter than the size asked for.
pub fn next_page_cursor(
    page: Option<i32>,
    page_size: Option<i32>,
    total: Option<i64>,
    items: usize,
) -> Option<Cursor> {
    if items == 0 {
        return None;
    }
    let page = page.unwrap_or(1).max(1);
    // Without an explicit size, the service's default is whatever this page held.
    let size = page_size
        .and_then(|s| usize::try_from(s).ok())
        .filter(|s| *s > 0)
        .unwrap_or(items);
    let seen = i64::from(page).saturating_mul(i64::try_from(size).unwrap_or(i64::MAX));
    let more = match total {
        Some(total) => seen < total,
        None => items >= size,
    };
    if more {
        page.checked_add(1).map(Cursor::Page)
    } else {
        None
    }
}

/// A stream of pages (or items) of a paged action. Made by generated `into_paginator()`
/// methods; `E` is the action's error type.
pub struct Paginator<I, E> {
    client: ProductClient,
    input: Result<I, InvalidInput>,
    _error: PhantomData<fn() -> E>,
}

impl<I, E> std::fmt::Debug for Paginator<I, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("action", &std::any::type_name::<I>())
            .finish_non_exhaustive()
    }
}

impl<I, E> Paginator<I, E>
where
    I: Paginated,
    E: From<Error> + Send + 'static,
{
    /// A paginator sending `input` (or failing once with its validation error) through
    /// `client`.
    pub fn new(client: ProductClient, input: Result<I, InvalidInput>) -> Self {
        Paginator {
            client,
            input,
            _error: PhantomData,
        }
    }

    /// Every page, in order. Stops after the last page or the first error.
    pub fn pages(self) -> BoxStream<'static, Result<I::Output, E>> {
        struct State<I> {
            client: ProductClient,
            input: I,
            seen_tokens: Vec<String>,
            done: bool,
        }
        let input = match self.input {
            Ok(input) => input,
            Err(invalid) => {
                return stream::once(async move { Err(E::from(Error::from(invalid))) }).boxed();
            }
        };
        let state = State {
            client: self.client,
            input,
            seen_tokens: Vec::new(),
            done: false,
        };
        stream::try_unfold(state, |mut state| async move {
            if state.done {
                return Ok(None);
            }
            let output = state.client.call(&state.input).await.map_err(E::from)?;
            match state.input.next_cursor(&output) {
                // A token seen before would loop forever: treat it as the end.
                Some(Cursor::Token(token)) if state.seen_tokens.contains(&token) => {
                    state.done = true;
                }
                Some(cursor) => {
                    if let Cursor::Token(token) = &cursor {
                        state.seen_tokens.push(token.clone());
                    }
                    state.input.set_cursor(&cursor);
                }
                None => state.done = true,
            }
            Ok(Some((output, state)))
        })
        .boxed()
    }

    /// Every item of every page, collected; stops at the first error.
    pub async fn collect_items(self) -> Result<Vec<I::Item>, E> {
        self.items().try_collect().await
    }

    /// Every item of every page, in order.
    pub fn items(self) -> BoxStream<'static, Result<I::Item, E>> {
        self.pages()
            .map_ok(|page| stream::iter(I::into_items(page).into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_cursor_stops_on_missing_or_empty_token() {
        assert_eq!(
            next_token_cursor(Some("t2")),
            Some(Cursor::Token("t2".into()))
        );
        assert_eq!(next_token_cursor(Some("")), None);
        assert_eq!(next_token_cursor(None), None);
    }

    #[test]
    fn marker_cursor_follows_the_marker_while_truncated() {
        assert_eq!(
            next_marker_cursor(Some(true), Some("m2")),
            Some(Cursor::Token("m2".into()))
        );
        assert_eq!(next_marker_cursor(Some(false), Some("m2")), None);
        assert_eq!(next_marker_cursor(None, Some("m2")), None);
        assert_eq!(next_marker_cursor(Some(true), Some("")), None);
        assert_eq!(next_marker_cursor(Some(true), None), None);
    }

    #[test]
    fn page_cursor_uses_total_or_short_pages() {
        // 25 items, pages of 10: pages 1, 2, 3.
        assert_eq!(
            next_page_cursor(None, Some(10), Some(25), 10),
            Some(Cursor::Page(2))
        );
        assert_eq!(
            next_page_cursor(Some(2), Some(10), Some(25), 10),
            Some(Cursor::Page(3))
        );
        assert_eq!(next_page_cursor(Some(3), Some(10), Some(25), 5), None);
        // No total: a short page is the last.
        assert_eq!(
            next_page_cursor(Some(1), Some(10), None, 10),
            Some(Cursor::Page(2))
        );
        assert_eq!(next_page_cursor(Some(2), Some(10), None, 3), None);
        // No size: the first page's length is the size.
        assert_eq!(
            next_page_cursor(None, None, Some(20), 10),
            Some(Cursor::Page(2))
        );
        assert_eq!(next_page_cursor(None, None, None, 0), None);
        assert_eq!(next_page_cursor(Some(i32::MAX), Some(1), None, 1), None);
    }
}
