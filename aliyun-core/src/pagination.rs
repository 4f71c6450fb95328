//! Paging. (to be written)
