#pragma once
// Helpers shared by the layer comparisons (src/diff only).
#include <map>
#include <string>

#include "diff/diff.h"

namespace ward::diff {

struct KeyedItem {
  std::string text;   // how the item is named in a difference
  Span span;
};
using Keyed = std::map<std::string, KeyedItem>;

void addDiff(Out& out, Layer layer, Direction d, std::string what, Span oldSpan, Span newSpan);
// Items only in b get `added` ("<addedVerb> <text>"), items only in a get `removed`.
void compareKeyed(const Keyed& a, const Keyed& b, Layer layer, Out& out, const std::string& addedVerb,
                  const std::string& removedVerb, Direction added, Direction removed);

}  // namespace ward::diff
