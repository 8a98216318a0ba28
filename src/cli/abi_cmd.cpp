// SPDX-License-Identifier: Apache-2.0
// `xinlian abi`: the Solidity ABI from the command line, values as JSON the way ethers prints
// them (codec/abi.hpp).
//   xinlian abi encode --types '["uint256","(address,bytes)[]"]' --values '<json array>'
//   xinlian abi decode --types '[...]' --data 0x.. [--lenient]
//   xinlian abi selector 'transfer(address,uint256)'
//   xinlian abi encode-call 'transfer(address,uint256)' --values '<json array>'
//   xinlian abi decode-revert --data 0x..
//   xinlian abi batch FILE   (JSON lines {"op":"encode","types":[..],"values":[..]} or
//                             {"op":"decode","types":[..],"data":"0x.."}; "-" is stdin;
//                             one JSON line out per line in: {"result":..} or {"error":".."})
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "codec/abi.hpp"

namespace xl::cli {
namespace {

using nlohmann::json;

// The outcome of one operation: an error message, or the text to print.
struct Outcome {
    bool ok = false;
    std::string text;
};
Outcome ok(std::string t) {
    return {true, std::move(t)};
}
Outcome err(std::string t) {
    return {false, std::move(t)};
}

[[noreturn]] void fail(const std::string& message) {
    std::cerr << "error: " << message << "\n";
    throw CLI::RuntimeError(message, 1);
}

// Types from a parsed JSON array of type strings.
Outcome parse_types(const json& j, std::vector<abi::Type>& out) {
    if (!j.is_array()) return err("--types must be a JSON array of type strings");
    for (const json& t : j) {
        if (!t.is_string()) return err("--types must be a JSON array of type strings");
        auto ty = abi::parse_type(t.get_ref<const std::string&>());
        if (!ty) {
            return err(std::string(abi::to_string(ty.error())) + ": '" + t.get<std::string>() +
                       "'");
        }
        out.push_back(std::move(*ty));
    }
    return ok({});
}

Outcome parse_types_text(const std::string& text, std::vector<abi::Type>& out) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return err("--types is not valid JSON");
    return parse_types(j, out);
}

Outcome values_from(const std::vector<abi::Type>& types, const std::string& values_json,
                    std::vector<abi::Value>& out) {
    std::string where;
    auto v = abi::values_from_json(types, values_json, &where);
    if (!v) {
        std::string m(abi::to_string(v.error()));
        if (!where.empty()) m += " at " + where;
        return err(m);
    }
    out = std::move(*v);
    return ok({});
}

Outcome do_encode(const std::vector<abi::Type>& types, const std::string& values_json) {
    std::vector<abi::Value> values;
    if (auto o = values_from(types, values_json, values); !o.ok) return o;
    auto e = abi::encode(types, values);
    if (!e) return err(std::string(abi::to_string(e.error())));
    return ok(to_hex(*e));
}

Outcome do_decode(const std::vector<abi::Type>& types, const std::string& data_hex, bool lenient) {
    auto data = from_hex(data_hex);
    if (!data) return err("--data: " + std::string(to_string(data.error())));
    auto d =
        abi::decode(types, *data, lenient ? abi::DecodeMode::kLenient : abi::DecodeMode::kStrict);
    if (!d) return err(std::string(abi::to_string(d.error())));
    return ok(abi::values_to_json(types, *d));
}

abi::Function parse_sig_or_fail(const std::string& sig) {
    auto f = abi::parse_signature(sig);
    if (!f) fail(std::string(abi::to_string(f.error())) + ": '" + sig + "'");
    return std::move(*f);
}

// One JSON line of a batch; never throws.
std::string batch_line(const std::string& line) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    Outcome o;
    if (j.is_discarded() || !j.is_object()) {
        o = err("not a JSON object");
    } else {
        std::vector<abi::Type> types;
        const json op = j.value("op", json());
        o = parse_types(j.value("types", json()), types);
        if (!o.ok) {
        } else if (op == "encode" && j.contains("values")) {
            o = do_encode(types, j["values"].dump());
        } else if (op == "decode" && j.contains("data") && j["data"].is_string()) {
            o = do_decode(types, j["data"].get<std::string>(), j.value("lenient", false));
        } else {
            o = err("expected op \"encode\" with values or \"decode\" with data");
        }
    }
    if (!o.ok) return json{{"error", o.text}}.dump();
    // Encodings are hex strings; decodings are already JSON.
    return o.text.starts_with("[") ? "{\"result\":" + o.text + "}"
                                   : json{{"result", o.text}}.dump();
}

void run_batch(const std::string& path) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
        file.open(path);
        if (!file) fail("cannot open " + path);
        in = &file;
    }
    std::string line;
    while (std::getline(*in, line)) {
        if (line.empty()) continue;
        std::cout << batch_line(line) << "\n";
    }
    std::cout.flush();
}

std::string revert_json(const abi::Revert& r) {
    switch (r.kind) {
        case abi::Revert::Kind::kEmpty:
            return json{{"kind", "empty"}}.dump();
        case abi::Revert::Kind::kError:
            return json{{"kind", "Error"}, {"message", r.message}}.dump(
                -1, ' ', false, json::error_handler_t::replace);
        case abi::Revert::Kind::kPanic:
            return json{{"kind", "Panic"},
                        {"code", r.code.to_hex()},
                        {"reason", std::string(abi::panic_reason(r.code))}}
                .dump();
        case abi::Revert::Kind::kCustom:
            return json{{"kind", "custom"}, {"data", to_hex(r.data)}}.dump();
    }
    return "{}";
}

}  // namespace

void add_abi_command(CLI::App& app) {
    auto* abi_cmd = app.add_subcommand("abi", "Solidity ABI: encode, decode, selectors");
    abi_cmd->require_subcommand(1);

    struct Args {
        std::string types, values, data, sig, file;
        bool lenient = false;
    };
    auto args = std::make_shared<Args>();

    auto* enc = abi_cmd->add_subcommand("encode", "abi.encode(values) as 0x-hex");
    enc->add_option("--types", args->types, "JSON array of Solidity types")->required();
    enc->add_option("--values", args->values, "JSON array of values")->required();
    enc->callback([args] {
        std::vector<abi::Type> types;
        if (auto o = parse_types_text(args->types, types); !o.ok) fail(o.text);
        auto o = do_encode(types, args->values);
        if (!o.ok) fail(o.text);
        std::cout << o.text << "\n";
    });

    auto* dec = abi_cmd->add_subcommand("decode", "decode ABI data into a JSON array");
    dec->add_option("--types", args->types, "JSON array of Solidity types")->required();
    dec->add_option("--data", args->data, "0x-hex data")->required();
    dec->add_flag("--lenient", args->lenient,
                  "accept non-canonical offsets and trailing bytes (as Solidity does)");
    dec->callback([args] {
        std::vector<abi::Type> types;
        if (auto o = parse_types_text(args->types, types); !o.ok) fail(o.text);
        auto o = do_decode(types, args->data, args->lenient);
        if (!o.ok) fail(o.text);
        std::cout << o.text << "\n";
    });

    auto* sel = abi_cmd->add_subcommand("selector", "function selector of a signature");
    sel->add_option("signature", args->sig, "e.g. 'transfer(address,uint256)'")->required();
    sel->callback([args] {
        abi::Function f = parse_sig_or_fail(args->sig);
        std::cout << to_hex(abi::selector(f).view()) << "\n";
    });

    auto* call = abi_cmd->add_subcommand("encode-call", "selector || abi.encode(values)");
    call->add_option("signature", args->sig, "e.g. 'transfer(address,uint256)'")->required();
    call->add_option("--values", args->values, "JSON array of arguments")->required();
    call->callback([args] {
        abi::Function f = parse_sig_or_fail(args->sig);
        std::vector<abi::Value> values;
        if (auto o = values_from(f.inputs, args->values, values); !o.ok) fail(o.text);
        auto e = abi::encode_call(f, values);
        if (!e) fail(std::string(abi::to_string(e.error())));
        std::cout << to_hex(*e) << "\n";
    });

    auto* rev = abi_cmd->add_subcommand("decode-revert",
                                        "decode revert data: Error(string), Panic(uint256)");
    rev->add_option("--data", args->data, "0x-hex revert data")->required();
    rev->callback([args] {
        auto data = from_hex(args->data);
        if (!data) fail("--data: " + std::string(to_string(data.error())));
        auto r = abi::decode_revert(*data);
        if (!r) fail(std::string(abi::to_string(r.error())));
        std::cout << revert_json(*r) << "\n";
    });

    auto* batch = abi_cmd->add_subcommand(
        "batch", "run JSON-line encode/decode requests from FILE ('-' for stdin)");
    batch->add_option("file", args->file, "JSON lines")->required();
    batch->callback([args] { run_batch(args->file); });
}

}  // namespace xl::cli
