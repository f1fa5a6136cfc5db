// The protocol layer through real pipes: lifecycle, errors, robustness, cancellation.
#include "harness.h"

namespace ward::lsp::test {
namespace {

TEST(LspProtocol, InitializeAdvertisesCapabilities) {
  Harness h;
  json r = h.initialize();
  ASSERT_TRUE(r.contains("result")) << r.dump();
  const json& caps = r["result"]["capabilities"];
  EXPECT_EQ(caps["textDocumentSync"]["change"], 2);  // incremental
  EXPECT_EQ(caps["textDocumentSync"]["openClose"], true);
  EXPECT_EQ(caps["completionProvider"]["triggerCharacters"], json::array({"@", "."}));
  EXPECT_EQ(caps["hoverProvider"], true);
  EXPECT_EQ(caps["definitionProvider"], true);
  EXPECT_EQ(caps["documentSymbolProvider"], true);
  EXPECT_EQ(caps["documentFormattingProvider"], true);
  EXPECT_TRUE(caps.contains("codeActionProvider"));
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "ward");
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspProtocol, RequestsBeforeInitializeAreRefused) {
  Harness h;
  json r = h.request("textDocument/hover", Harness::at("file:///x.ward", 0, 0));
  EXPECT_EQ(r["error"]["code"], -32002);
  h.notify("textDocument/didOpen", {{"textDocument", {{"uri", "file:///x.ward"}, {"version", 1}, {"text", "x"}}}});
  r = h.request("shutdown", nullptr);
  EXPECT_EQ(r["error"]["code"], -32002);
  EXPECT_TRUE(h.initialize().contains("result"));
  // A second initialize is an invalid request.
  EXPECT_EQ(h.request("initialize", {{"capabilities", json::object()}})["error"]["code"], -32600);
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspProtocol, UnknownMethods) {
  Harness h;
  h.initialize();
  json r = h.request("textDocument/semanticTokens/full", {{"textDocument", {{"uri", "file:///x"}}}});
  EXPECT_EQ(r["error"]["code"], -32601);
  h.notify("$/setTrace", {{"value", "off"}});
  h.notify("workspace/didChangeConfiguration", {{"settings", nullptr}});
  h.notify("textDocument/madeUp", nullptr);
  // Nothing answers a notification: the next message is the response to the next request.
  int id = h.sendRequest("nonsense", nullptr);
  json next = h.next();
  EXPECT_EQ(next["id"], id);
  EXPECT_EQ(next["error"]["code"], -32601);
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspProtocol, MalformedInputNeverStopsTheServer) {
  Harness h;
  h.initialize();
  h.sendRaw("Content-Length: 9\r\n\r\nnot json!");
  json e = h.next();
  EXPECT_EQ(e["error"]["code"], -32700);
  EXPECT_TRUE(e["id"].is_null());
  h.sendRaw("Content-Length: zz\r\n\r\n");            // bad header: skipped
  h.sendRaw("garbage\r\n\r\n");                          // no Content-Length: skipped
  h.send(json::array({1, 2}));                           // not an object
  EXPECT_EQ(h.next()["error"]["code"], -32600);
  h.send({{"jsonrpc", "2.0"}, {"id", 99}, {"result", 1}});  // a response to nothing: ignored
  h.send({{"jsonrpc", "2.0"}, {"id", 7}});                  // no method
  EXPECT_EQ(h.next()["error"]["code"], -32600);
  // A method that is not a string (found by fuzz_lsp: the reader thread threw and the process aborted).
  h.send({{"jsonrpc", "2.0"}, {"id", 8}, {"method", {{"textDocument", 1}}}});
  EXPECT_EQ(h.next()["error"]["code"], -32600);
  h.send({{"jsonrpc", "2.0"}, {"method", 5}});              // the same as a notification: ignored
  // Wrong parameter shapes are InvalidParams, never a crash.
  EXPECT_EQ(h.request("textDocument/hover", {{"textDocument", 5}})["error"]["code"], -32602);
  EXPECT_EQ(h.request("textDocument/hover", json::array())["error"]["code"], -32602);
  EXPECT_EQ(h.request("textDocument/completion", Harness::at("file:///not-open.ward", 0, 0))["error"]["code"], -32602);
  h.notify("textDocument/didOpen", {{"textDocument", "oops"}});
  h.notify("textDocument/didChange", {{"textDocument", {{"uri", "file:///never-opened.ward"}, {"version", 3}}},
                                      {"contentChanges", json::array({{{"text", "x"}}})}});
  h.notify("textDocument/didClose", {{"textDocument", {{"uri", "file:///never-opened.ward"}}}});
  h.notify("textDocument/didChange", {{"textDocument", {{"uri", "file:///never-opened.ward"}}}, {"contentChanges", 5}});
  json r = h.request("shutdown", nullptr);
  EXPECT_TRUE(r.contains("result")) << r.dump();
  // After shutdown, requests are invalid.
  EXPECT_EQ(h.request("textDocument/hover", Harness::at("file:///x", 0, 0))["error"]["code"], -32600);
  h.notify("exit", nullptr);
  EXPECT_EQ(h.finish(), 0);
}

TEST(LspProtocol, OversizedMessagesAreSkipped) {
  ServerOptions o = testOptions();
  o.maxMessageBytes = 1000;
  Harness h(o);
  h.initialize();
  h.sendRaw("Content-Length: 5000\r\n\r\n" + std::string(5000, ' '));
  EXPECT_EQ(h.next()["error"]["code"], -32600);
  EXPECT_EQ(h.request("bogus", nullptr)["error"]["code"], -32601);
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspProtocol, CancelledRequestsAnswerRequestCancelled) {
  Harness h;
  h.initialize();
  // The request and its cancellation arrive in one write: the request is still queued when the
  // cancellation is read.
  json req{{"jsonrpc", "2.0"}, {"id", 41}, {"method", "textDocument/documentSymbol"},
           {"params", {{"textDocument", {{"uri", "file:///x.ward"}}}}}};
  json cancel{{"jsonrpc", "2.0"}, {"method", "$/cancelRequest"}, {"params", {{"id", 41}}}};
  h.sendRaw(Harness::frame(req) + Harness::frame(cancel));
  json r = h.response(41);
  EXPECT_EQ(r["error"]["code"], -32800) << r.dump();
  // Cancelling something already answered is harmless.
  h.notify("$/cancelRequest", {{"id", 41}});
  h.notify("$/cancelRequest", {{"id", "no-such"}});
  EXPECT_EQ(h.request("bogus", nullptr)["error"]["code"], -32601);
  EXPECT_EQ(h.shutdownAndExit(), 0);
}

TEST(LspProtocol, ExitCodes) {
  {
    Harness h;
    h.initialize();
    h.notify("exit", nullptr);
    EXPECT_EQ(h.finish(), 1);  // exit without shutdown
  }
  {
    Harness h;
    h.initialize();
    EXPECT_EQ(h.finish(), 1);  // the input ended without exit
  }
  {
    Harness h;
    h.sendRaw("Content-Length: 100\r\n\r\n{\"jsonrpc\":");  // truncated, then end of input
    EXPECT_EQ(h.finish(), 1);
  }
}

}  // namespace
}  // namespace ward::lsp::test
