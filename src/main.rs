//! The `keysweep` binary: parse the command line, run, map the outcome to an exit status.

use clap::Parser;
use keysweep::app::{self, Config};
use keysweep::cli::{Cli, Command};
use keysweep::exit::ExitStatus;

fn main() {
    let cli = Cli::parse();
    let status = match cli.command {
        Command::Scan(args) => match app::run(&Config::from_args(args)) {
            Ok(status) => status,
            Err(e) => {
                eprintln!("keysweep: error: {e:#}");
                ExitStatus::Error
            }
        },
    };
    std::process::exit(status.code());
}
