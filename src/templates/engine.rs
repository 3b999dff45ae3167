//! The handlebars engine as tanmatsu uses it.
//!
//! Three traps of the handlebars crate, each closed here: its default escape is HTML's (wrong for XML and for
//! PowerShell), and that escape also runs over a helper's output, so an escaping helper under it escapes twice —
//! hence `no_escape` and a helper per output language; strict mode does not catch a missing path inside `{{#if}}`,
//! so a misspelt name silently takes the else branch — hence `if` and `unless` replaced by strict versions.

use super::lint::lint;
use super::{TemplateError, TemplateSet};
use crate::escape;
use crate::{msg, t};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderError, RenderErrorReason,
    Renderable, no_escape,
};
use serde::Serialize;

pub struct Engine {
    registry: Handlebars<'static>,
    set: TemplateSet,
}

impl Engine {
    /// Lints and registers every file of `set`: `partials/NAME.hbs` as the partial NAME, other `NAME.hbs` files as
    /// the template NAME.
    pub fn new(set: &TemplateSet) -> Result<Engine, TemplateError> {
        let mut registry = Handlebars::new();
        registry.register_escape_fn(no_escape);
        registry.set_strict_mode(true);
        registry.set_prevent_indent(true);
        registry.register_helper("xml", Box::new(EscapeHelper { name: "xml", escape: escape::xml }));
        registry.register_helper("ps", Box::new(EscapeHelper { name: "ps", escape: escape::powershell }));
        registry.register_helper(
            "ps-list",
            Box::new(ListHelper { name: "ps-list", escape: escape::powershell, open: "@(", close: ")" }),
        );
        registry.register_helper("toml", Box::new(EscapeHelper { name: "toml", escape: escape::toml }));
        registry.register_helper("vbs", Box::new(EscapeHelper { name: "vbs", escape: escape::vbscript }));
        registry.register_helper(
            "toml-list",
            Box::new(ListHelper { name: "toml-list", escape: escape::toml, open: "[", close: "]" }),
        );
        registry.register_helper("if", Box::new(StrictIf { positive: true }));
        registry.register_helper("unless", Box::new(StrictIf { positive: false }));
        for (path, content) in &set.files {
            let origin = set.origins.get(path).cloned().unwrap_or_else(|| path.clone());
            if let Some((line, message)) = lint(content) {
                return Err(TemplateError::Template { origin, line, message });
            }
            let Some(stem) = path.strip_suffix(".hbs") else { continue };
            let registered = match stem.strip_prefix("partials/") {
                Some(partial) => registry.register_partial(partial, content.as_str()),
                None => registry.register_template_string(stem, content.as_str()),
            };
            registered.map_err(|err| TemplateError::Template {
                origin,
                line: err.pos().map_or(0, |(line, _)| line),
                message: msg!("template.handlebars", detail = err.reason()),
            })?;
        }
        Ok(Engine { registry, set: set.clone() })
    }

    /// The names of the set's templates (not partials), in order.
    pub fn template_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.registry.get_templates().keys().cloned().collect();
        names.retain(|name| self.set.files.contains_key(&format!("{name}.hbs")));
        names.sort();
        names
    }

    /// Where the set's file `path` comes from, for messages (the file in an organisation's set, or the built-in one).
    pub fn origin(&self, path: &str) -> String {
        self.set.origins.get(path).cloned().unwrap_or_else(|| path.to_string())
    }

    /// Renders the template NAME (`autounattend.xml` for `autounattend.xml.hbs`).
    pub fn render(&self, name: &str, data: &impl Serialize) -> Result<String, TemplateError> {
        self.registry.render(name, data).map_err(|err| self.render_error(&err))
    }

    fn render_error(&self, err: &RenderError) -> TemplateError {
        let message = msg!("template.handlebars", detail = err.reason());
        match err.template_name.as_deref() {
            Some(name) => {
                let path = [format!("{name}.hbs"), format!("partials/{name}.hbs")]
                    .into_iter()
                    .find(|p| self.set.files.contains_key(p))
                    .unwrap_or_else(|| name.to_string());
                let origin = self.set.origins.get(&path).cloned().unwrap_or(path);
                TemplateError::Template { origin, line: err.line_no.unwrap_or(0), message }
            }
            None => TemplateError::Render(message),
        }
    }
}

/// The one value of a helper call, which must be present (strict mode does not check helper parameters).
fn required_param<'a>(h: &'a Helper<'_>, helper: &'static str) -> Result<&'a serde_json::Value, RenderError> {
    let param = h.param(0).ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, 0))?;
    if param.is_value_missing() {
        let path = param.relative_path().cloned().unwrap_or_default();
        return Err(RenderErrorReason::MissingVariable(Some(path)).into());
    }
    Ok(param.value())
}

/// A string, number or boolean as text; anything else is an error naming `helper`.
fn scalar_text(value: &serde_json::Value, helper: &str) -> Result<String, RenderError> {
    match value {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        other => Err(RenderErrorReason::Other(t!("templates.takes-one-value", helper = helper, other = other)).into()),
    }
}

/// `{{ps-list values}}`: an array as a PowerShell array of single-quoted literals, `@('a', 'b')`; `{{toml-list values}}`
/// the same as a TOML array of basic strings, `["a", "b"]`.
struct ListHelper {
    name: &'static str,
    escape: fn(&str) -> String,
    open: &'static str,
    close: &'static str,
}

impl HelperDef for ListHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let serde_json::Value::Array(items) = required_param(h, self.name)? else {
            return Err(RenderErrorReason::Other(t!("templates.list-array", helper = self.name)).into());
        };
        let literals: Vec<String> = items
            .iter()
            .map(|item| scalar_text(item, self.name).map(|t| (self.escape)(&t)))
            .collect::<Result<_, _>>()?;
        out.write(&format!("{}{}{}", self.open, literals.join(", "), self.close))?;
        Ok(())
    }
}

/// `{{xml value}}` and `{{ps value}}`: one value, escaped for its output language. A missing value is an error
/// (strict mode), and so is anything but a string, number or boolean.
struct EscapeHelper {
    name: &'static str,
    escape: fn(&str) -> String,
}

impl HelperDef for EscapeHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let text = scalar_text(required_param(h, self.name)?, self.name)?;
        out.write(&(self.escape)(&text))?;
        Ok(())
    }
}

/// `if` and `unless` that fail on a missing path instead of taking the else branch.
struct StrictIf {
    positive: bool,
}

impl HelperDef for StrictIf {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        registry: &'reg Handlebars<'reg>,
        context: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let name = if self.positive { "if" } else { "unless" };
        let param = h.param(0).ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?;
        if param.is_value_missing() {
            let path = param.relative_path().cloned().unwrap_or_default();
            return Err(RenderErrorReason::MissingVariable(Some(path)).into());
        }
        let truthy = match param.value() {
            serde_json::Value::Null => false,
            serde_json::Value::Bool(b) => *b,
            serde_json::Value::String(s) => !s.is_empty(),
            serde_json::Value::Array(a) => !a.is_empty(),
            serde_json::Value::Number(n) => n.as_f64() != Some(0.0),
            serde_json::Value::Object(_) => true,
        };
        let branch = if truthy == self.positive { h.template() } else { h.inverse() };
        match branch {
            Some(template) => template.render(registry, context, rc, out),
            None => Ok(()),
        }
    }
}
