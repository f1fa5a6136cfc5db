#pragma once
// Shared by the verifier's tests: the source tree's catalog and lookups in a list of findings.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "verify/catalog.h"
#include "verify/verify.h"

namespace ward::verify::fixture {

inline const Catalog& catalog() {
  static const Catalog c = [] {
    std::vector<std::string> errors;
    return loadCatalog({std::string(WARD_SOURCE_DIR) + "/stdlib"}, errors);
  }();
  return c;
}

inline const Finding& find(const std::vector<Finding>& findings, const std::string& id) {
  for (const auto& f : findings)
    if (f.id == id) return f;
  static Finding none;
  ADD_FAILURE() << "no finding " << id;
  return none;
}

inline const LayerVerdict* layer(const Finding& f, Layer l) {
  for (const auto& v : f.layers)
    if (v.layer == l) return &v;
  return nullptr;
}

}  // namespace ward::verify::fixture
