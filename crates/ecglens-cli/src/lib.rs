//! The `ecglens` command line as a library: fitting an atlas over a reference set ([`fit`]), and the commands
//! the binary (`src/main.rs`, clap + anyhow) dispatches to. Native only (linfa, files).

pub mod fit;
pub mod info;
pub mod pipeline;
