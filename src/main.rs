//! The `keysweep` binary: parse the command line, run, map the outcome to an exit status.

use clap::Parser;
use keysweep::app::{self, commands};
use keysweep::cli::{Cli, Command, RulesCommand};
use keysweep::config::Config;
use keysweep::exit::ExitStatus;

fn main() {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout();
    let result = match cli.command {
        Command::Scan(args) => Config::from_args(args).and_then(|c| app::run(&c)),
        Command::Baseline(args) => commands::baseline(args.scan),
        Command::Redact(args) => app::redact::redact(args),
        Command::Rules(RulesCommand::List) => commands::rules_list(&mut stdout),
        Command::Rules(RulesCommand::Check { path }) => commands::rules_check(&path, &mut stdout),
        Command::Rules(RulesCommand::Anchors) => commands::rules_anchors(&mut stdout),
    };
    let status = result.unwrap_or_else(|e| {
        eprintln!("keysweep: error: {e:#}");
        ExitStatus::Error
    });
    std::process::exit(status.code());
}
