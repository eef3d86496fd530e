/// The part of SARIF 2.1.0 (OASIS) that Bouncer writes and GitHub code scanning reads, as Codable
/// types: optional fields left nil are left out of the JSON.
extension CampaignSarif {
    struct Log: Codable, Equatable {
        var schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema", version, runs
        }
    }

    struct Run: Codable, Equatable {
        var tool: Tool
        var automationDetails: AutomationDetails
        var originalUriBaseIds: [String: ArtifactLocation]
        var results: [Result]
    }

    /// `id` ending in `/` names a category: code scanning keeps one analysis per category.
    struct AutomationDetails: Codable, Equatable {
        var id: String
    }

    struct Tool: Codable, Equatable {
        var driver: Driver
    }

    struct Driver: Codable, Equatable {
        var name: String
        var informationUri: String?
        var rules: [Rule]
    }

    struct Rule: Codable, Equatable {
        var id: String
        var name: String
        var shortDescription: Message
        var fullDescription: Message
        var help: MultiformatMessage
        var helpUri: String?
        var defaultConfiguration: Configuration
        var properties: RuleProperties
    }

    struct Configuration: Codable, Equatable {
        var level: Level
    }

    struct RuleProperties: Codable, Equatable {
        var tags: [String]
    }

    enum Level: String, Codable {
        case none, note, warning, error
    }

    struct Message: Codable, Equatable {
        var text: String
    }

    struct MultiformatMessage: Codable, Equatable {
        var text: String
        var markdown: String
    }

    struct Result: Codable, Equatable {
        var ruleId: String
        var ruleIndex: Int
        var level: Level
        var message: Message
        var locations: [Location]
        var partialFingerprints: [String: String]
        var properties: ResultProperties
    }

    struct ResultProperties: Codable, Equatable {
        var target: String
        var platform: String
        var profile: String
        var signature: String
        var operations: Int
        /// What the finding means (`FindingClass`'s raw value), which its level follows.
        var findingClass: String?
    }

    struct Location: Codable, Equatable {
        var physicalLocation: PhysicalLocation
    }

    struct PhysicalLocation: Codable, Equatable {
        var artifactLocation: ArtifactLocation
        var region: Region
    }

    struct ArtifactLocation: Codable, Equatable {
        var uri: String
        var uriBaseId: String?
    }

    /// Lines are 1-based; code scanning needs `startLine`.
    struct Region: Codable, Equatable {
        var startLine: Int
        var endLine: Int?
    }
}
