//! The `product` section: codes, versions, hosts, the error style and the module.

use super::{Validator, matches};
use crate::names;
use crate::spec::{HttpMethod, ParamLocation};

/// Module names the generated crate root already uses.
const RESERVED_MODULES: &[&str] = &["client", "action", "types", "generated"];

impl Validator<'_> {
    pub(super) fn product(&mut self) {
        let p = &self.spec.product;
        if !matches(r"^[A-Za-z][A-Za-z0-9]*$", &p.code) {
            self.problem(
                "product.code",
                "expected a product code of ASCII letters and digits, like `Ecs`",
            );
        }
        if !matches(r"^\d{4}-\d{2}-\d{2}$", &p.api_version) {
            self.problem(
                "product.api_version",
                "expected an API version like `2014-05-26` (quote it in YAML)",
            );
        }
        if !matches(r"^[a-z][a-z0-9-]*$", &p.crate_name) {
            self.problem(
                "product.crate",
                "expected a crate directory name like `aliyun-ecs`",
            );
        }
        if let Some(env_id) = &p.env_id
            && !matches(r"^[A-Z][A-Z0-9_]*$", env_id)
        {
            self.problem("product.env_id", "expected an upper-case id like `ECS`");
        }
        for (index, source) in p.sources.iter().enumerate() {
            if source.trim().is_empty() || source.contains(['/', '\\']) {
                self.problem(
                    format!("product.sources[{index}]"),
                    "expected a metadata file name (no directory), like `ecs-2014-05-26.json`",
                );
            } else if p.sources[..index].contains(source) {
                self.problem(
                    format!("product.sources[{index}]"),
                    format!("`{source}` is listed twice"),
                );
            }
        }
        if let Some(module) = &p.module {
            if let Some(why) = names::check_snake_ident(module) {
                self.problem("product.module", format!("module name {why}"));
            } else if names::needs_raw(module) || RESERVED_MODULES.contains(&module.as_str()) {
                self.problem(
                    "product.module",
                    format!("`{module}` is taken: pick a name like `v20170301`"),
                );
            }
        }
        if p.method == HttpMethod::Get && p.param_location == ParamLocation::FormBody {
            self.problem("product.param_location", "`form_body` needs method POST");
        }
        self.endpoints();
        if p.doc.trim().is_empty() {
            self.problem(
                "product.doc",
                "doc must not be empty: it becomes the module documentation",
            );
        }
    }

    fn endpoints(&mut self) {
        let e = &self.spec.product.endpoints;
        let mut hosts = Vec::new();
        match (&e.regional, &e.central, &e.global) {
            (Some(regional), Some(central), None) => {
                if !regional.contains("{region}") {
                    self.problem(
                        "product.endpoints.regional",
                        "expected a host pattern containing `{region}`, like \
                         `ecs.{region}.aliyuncs.com` (a product with one host says `global`)",
                    );
                }
                hosts.push(("product.endpoints.regional".to_owned(), regional.clone()));
                hosts.push(("product.endpoints.central".to_owned(), central.clone()));
            }
            (None, None, Some(global)) => {
                if global.contains("{region}") {
                    self.problem(
                        "product.endpoints.global",
                        "a global host has no `{region}` (a pattern goes in `regional`)",
                    );
                }
                hosts.push(("product.endpoints.global".to_owned(), global.clone()));
            }
            (_, _, Some(_)) => self.problem(
                "product.endpoints.global",
                "`global` is the only host of a global product: not with `regional` or `central`",
            ),
            (Some(_), None, None) => self.problem(
                "product.endpoints",
                "`central` is required with `regional`: the host used without a region",
            ),
            (None, _, None) => self.problem(
                "product.endpoints",
                "expected `regional` (a pattern with `{region}`) and `central`, or `global` \
                 (one host for every region)",
            ),
        }
        for (region, host) in &e.exceptions {
            hosts.push((
                format!("product.endpoints.exceptions.{region}"),
                host.clone(),
            ));
        }
        for (path, host) in hosts {
            let plain = host.replace("{region}", "r");
            if !matches(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?$", &plain) {
                self.problem(
                    path,
                    format!("expected a host name without scheme or path, got `{host}`"),
                );
            }
        }
    }
}
