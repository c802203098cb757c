#pragma once
// A TVRA system model: components, interfaces between them (with their exposure), assets with
// the impact of losing each security objective, threats with the five TVRA factors, and
// countermeasures that change factors or impact. Loaded from YAML strictly: every dangling
// reference, missing factor or unknown level is a Diagnostic with a line, and a model with
// errors is never returned half-built.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tvra/diagnostic.h"
#include "tvra/tables.h"

namespace imsguard::tvra {

enum class Exposure { kPublic, kFiltered, kPrivate };
std::string_view exposure_name(Exposure e);

struct Component {
  std::string id, name, kind, zone;
  int line = 0;
};

struct Interface {
  std::string id, name, description;
  std::string a, b;  // component ids
  std::vector<std::string> protocols;
  Exposure exposure = Exposure::kPublic;
  int line = 0;
};

struct Asset {
  std::string id, name, component;
  // security objective -> asset-impact index into Tables::asset_impact, in file order
  std::vector<std::pair<std::string, int>> impact;
  int line = 0;
  std::optional<int> impact_of(std::string_view objective) const;
};

struct Threat {
  std::string id, name, description, reason;
  std::string family;    // interception, manipulation, masquerade, ... (see threat_families())
  std::string stride;    // one letter of STRIDE
  std::string interface; // may be empty: a threat on an asset reached by no modelled interface
  std::string asset, objective;
  FactorLevels factors;  // level index per factor, after exposure defaults
  std::vector<bool> factor_from_exposure;  // true where the exposure default was used
  // Per factor, where its level came from, for the reports: "threat" (the model's line, with
  // `reason`), "exposure public" (the interface's default), or an audit adjustment such as
  // "bind loopback (sip.listen)".
  std::vector<std::string> factor_origin;
  int intensity = 0;     // index into Tables::intensity
  int line = 0;
};

struct Countermeasure {
  std::string id, name, description, config;
  std::string consequence;  // what users notice when it is switched on (audit next steps)
  std::vector<std::string> addresses;  // threat ids
  std::vector<std::optional<int>> factors;  // per factor: the level it imposes, if any
  std::optional<int> asset_impact;  // index: caps the asset impact
  std::optional<int> intensity;     // index: caps the intensity
  bool applied = true;
  int line = 0;
};

struct Model {
  std::string name, description;
  std::string origin;  // file it came from (or "<embedded ims.yaml>")
  std::vector<Component> components;
  std::vector<Interface> interfaces;
  std::vector<Asset> assets;
  std::vector<Threat> threats;
  std::vector<Countermeasure> countermeasures;
  // The model's `exposure:` section: per exposure, per factor, the default level (if any).
  std::vector<std::vector<std::optional<int>>> exposure_defaults;  // indexed by Exposure

  const Component* component(std::string_view id) const;
  const Interface* interface(std::string_view id) const;
  const Asset* asset(std::string_view id) const;
  const Threat* threat(std::string_view id) const;
  const Countermeasure* countermeasure(std::string_view id) const;
};

// The accepted names, for hints and the docs.
const std::vector<std::string>& threat_families();
const std::vector<std::string>& security_objectives();
// The TVRA top-level family of a finer family (masquerade -> manipulation, ...).
std::string_view tvra_family(std::string_view family);

// The model, or why not: `status` carries the code, `errors` every problem with its line
// (as TablesResult).
struct ModelResult {
  std::optional<Model> model;
  Status status;       // ok exactly when `model` is set
  Diagnostics errors;  // not ok: at least one, each with its file and line
  bool ok() const { return model.has_value(); }
};

// The IMS model compiled into the binary (models/ims.yaml). kInvalid when it does not fit
// `tables` (the caller knows whether those were the embedded tables too: then it is a broken
// build, see tvra::load).
std::string_view embedded_model_yaml();
ModelResult load_embedded_model(const Tables& tables);
// kNotFound: no such file; kUnavailable: it cannot be read; kInvalid: its content.
ModelResult load_model_file(const std::string& path, const Tables& tables);
// kInvalid with every error of the text.
ModelResult load_model_string(std::string_view yaml, const std::string& origin, const Tables& tables);

}  // namespace imsguard::tvra
