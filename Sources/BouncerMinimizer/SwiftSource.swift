import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

/// Operations as Swift source that builds them with the model's own API, from their descriptions.
extension Operation {
    var swiftSource: String {
        let d = described
        let f = d.read(self)!
        var args: [String] = []
        var group: (name: String, args: [(order: Int, text: String)])?
        func closeGroup() {
            guard let g = group else { return }
            args.append("\(g.name)(\(g.args.sorted { $0.order < $1.order }.map(\.text).joined(separator: ", ")))")
            group = nil
        }
        for (i, field) in d.fields.enumerated() {
            let text = "\(field.label): \(Self.swiftValue(field, f, i))"
            guard let name = field.group else {
                closeGroup()
                args.append(text)
                continue
            }
            if group?.name != name {
                closeGroup()
                group = (name, [])
            }
            if field.swiftDefault != f[i] { group!.args.append((field.swiftOrder ?? i, text)) }
        }
        closeGroup()
        return args.isEmpty ? ".\(d.name)" : ".\(d.name)(\(args.joined(separator: ", ")))"
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
        }
    }
}
