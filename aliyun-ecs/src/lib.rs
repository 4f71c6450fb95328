//! Alibaba Cloud Elastic Compute Service (ECS) for Rust. (crate docs being written)

#[rustfmt::skip]
mod generated;

pub use generated::client::Client;
pub use generated::{SERVICE, operation, types};

pub mod workflow;
