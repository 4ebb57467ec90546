//! Routing: from affirmed detections to the messages, digests and roll-ups each person gets.
//!
//! Input: detections, the people they could concern, alert history, `now`. Output: a
//! [`policy::Plan`]. The decisions are pure; only the store reads and commits.

pub mod cron;
pub mod model;
pub mod plan;
pub mod policy;

#[cfg(test)]
mod tests;
