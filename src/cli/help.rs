//! The command line's help, and its usage errors, in the user's language.
//!
//! clap takes help text from doc comments, in English, and writes its own headings and errors in English. Here every
//! command's and option's text is replaced from the catalogs — `help.<command path>` for a command (with `.long` for
//! the text of `--help`), `help.<command path>.<option id>` for an option — and clap's headings, its help and version
//! flags and its usage errors are replaced too. The doc comments stay as documentation for developers; a unit test
//! walks the command tree so that no key can be missing.

use crate::i18n;
use crate::msg;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

/// The command tree with its help text looked up by `lookup`, a catalog key to its text.
pub(super) fn localize(command: Command, lookup: &mut dyn FnMut(&str) -> String) -> Command {
    let version = Arg::new("version").short('V').long("version").action(ArgAction::Version);
    let version = version.help(lookup("help.flag.version")).help_heading(lookup("help.heading.options"));
    localize_at(command, "help", lookup).disable_version_flag(true).arg(version)
}

fn localize_at(mut command: Command, path: &str, lookup: &mut dyn FnMut(&str) -> String) -> Command {
    let template = format!("{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}", lookup("help.heading.usage"));
    command = command
        .about(lookup(path))
        .help_template(template)
        .subcommand_help_heading(lookup("help.heading.commands"))
        .disable_help_subcommand(true)
        .disable_help_flag(true);
    if command.get_long_about().is_some() {
        command = command.long_about(lookup(&format!("{path}.long")));
    }
    let (arguments, options) = (lookup("help.heading.arguments"), lookup("help.heading.options"));
    let ids: Vec<(String, bool)> = command
        .get_arguments()
        .filter(|arg| arg.get_id() != "help")
        .map(|arg| (arg.get_id().to_string(), arg.is_positional()))
        .collect();
    for (id, positional) in ids {
        let help = lookup(&format!("{path}.{id}"));
        let heading = if positional { &arguments } else { &options };
        command = command.mut_arg(&id, |arg| {
            let arg = arg.help(help).help_heading(heading.clone());
            // clap would add "[default: …]" in English; the catalog's text names the default and the choices.
            let takes_values = arg.get_action().takes_values();
            if takes_values { arg.hide_default_value(true).hide_possible_values(true) } else { arg }
        });
    }
    let help = Arg::new("help").short('h').long("help").action(ArgAction::Help);
    command = command.arg(help.help(lookup("help.flag.help")).help_heading(options));
    let names: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_string()).collect();
    for name in names {
        command = command.mut_subcommand(&name, |sub| localize_at(sub, &format!("{path}.{name}"), lookup));
    }
    command
}

/// The help text of a catalog key in the current language.
pub(super) fn catalog_text(key: &str) -> String {
    i18n::template(i18n::language(), key).to_string()
}

/// Shows a clap error — help, the version, or a mistake in the command line — and returns the exit code.
pub(super) fn report(err: clap::Error) -> i32 {
    if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = err.print();
        return super::EXIT_OK;
    }
    if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = err.print();
        return super::EXIT_UNREADABLE;
    }
    let context = |kind: ContextKind| err.get(kind).map(ContextValue::to_string).unwrap_or_default();
    let (arg, value) = (context(ContextKind::InvalidArg), context(ContextKind::InvalidValue));
    let problem = match err.kind() {
        ErrorKind::UnknownArgument => msg!("cli.usage.unknown-argument", arg = arg),
        ErrorKind::InvalidSubcommand => {
            msg!("cli.usage.unknown-command", command = context(ContextKind::InvalidSubcommand))
        }
        ErrorKind::MissingRequiredArgument => msg!("cli.usage.missing", args = arg),
        ErrorKind::InvalidValue => {
            msg!("cli.usage.invalid-choice", value = value, arg = arg, valid = context(ContextKind::ValidValue))
        }
        ErrorKind::ValueValidation => {
            let reason = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
            msg!("cli.usage.invalid-value", value = value, arg = arg, reason = reason)
        }
        _ => msg!("cli.usage.other", detail = err.render().to_string().trim()),
    };
    eprintln!("{}: {problem}", msg!("diagnostic.error"));
    let suggestion = [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand].into_iter().find_map(|k| err.get(k));
    if let Some(suggestion) = suggestion {
        eprintln!("  {}", msg!("cli.usage.did-you-mean", suggestion = suggestion));
    }
    eprintln!("\n{}", msg!("cli.usage.more"));
    super::EXIT_UNREADABLE
}
