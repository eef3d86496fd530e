import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

/// Operations as Swift source that builds them with the model's own API, from their descriptions.
extension GuestOperation {
    var swiftSource: String {
        let args = swiftArguments.map { $0.label.map { l in "\(l): " } ?? "" }
        let texts = zip(args, swiftArguments).map { $0 + $1.text }
        return texts.isEmpty ? ".\(described.name)" : ".\(described.name)(\(texts.joined(separator: ", ")))"
    }

    /// The case's arguments in the order Swift takes them: labelled fields, and each group of
    /// fields as one positional struct (members at their defaults left out).
    var swiftArguments: [(label: String?, text: String)] {
        let d = described
        let f = d.read(self)!
        var top: [(order: Int, label: String?, text: String)] = []
        var groups: [String: [(order: Int, text: String)]] = [:]
        for (i, field) in d.fields.enumerated() {
            let order = field.swiftOrder ?? i
            let text = Self.swiftValue(field, f, i)
            guard let group = field.group else {
                top.append((order, field.label, text))
                continue
            }
            if groups[group] == nil {
                groups[group] = []
                top.append((i, nil, group))
            }
            if field.swiftDefault != f[i] { groups[group]!.append((order, "\(field.label): \(text)")) }
        }
        return top.sorted { $0.order < $1.order }.map { arg in
            guard arg.label == nil, let members = groups[arg.text] else { return (arg.label, arg.text) }
            return (nil, "\(arg.text)(\(members.sorted { $0.order < $1.order }.map(\.text).joined(separator: ", ")))")
        }
    }

    static func swiftValue(_ field: Field, _ f: Fields, _ i: Int) -> String {
        switch field.role {
        case .handles: "\(f.list(i))"
        case .flag: "\(f.bool(i))"
        case .choice(let names, _): ".\(names[Int(f[i])])"
        case .table: f[i] == 0 ? "0" : hex(f[i])
        case .optionSet(let type): "\(type)(rawValue: \(f[i]))"
        default: "\(f[i])"
        }
    }
}

extension PlatformKind {
    var swiftName: String {
        switch self {
        case .nonConfidential: "nonConfidential"
        case .tdx: "tdx"
        case .sevSnp: "sevSnp"
        case .sevSnpVtom: "sevSnpVtom"
        case .cca: "cca"
        case .pkvm: "pkvm"
        case .s390Pv: "s390Pv"
        case .pseriesSvm: "pseriesSvm"
        }
    }
}

extension InvariantID {
    var swiftName: String {
        switch self {
        case .confPrivate: "confPrivate"
        case .confBounce: "confBounce"
        case .confTrusted: "confTrusted"
        case .confFreelist: "confFreelist"
        case .confStale: "confStale"
        case .confPool: "confPool"
        case .safeHostInput: "safeHostInput"
        case .safeLifecycle: "safeLifecycle"
        case .dataIntegrity: "dataIntegrity"
        case .confAlias: "confAlias"
        }
    }
}
