import BouncerPolicy
import Testing

@Suite struct ProfileFileTests {
    @Test func everyBuiltInProfileSurvivesItsOwnFileText() throws {
        for p in Profile.builtIn {
            let parsed = try Profile.parse(p.fileText, file: "\(p.name).profile")
            #expect(parsed.behaviours == p.behaviours, "\(p.name)")
            #expect(parsed.name == p.name)
        }
    }

    @Test func aFileOverridesItsBase() throws {
        let p = try Profile.parse("profile mine\nbase linux-swiotlb-force\nswiotlb-copy-on-map = to-device-only\n", file: "f")
        var want = Profile.builtIn(named: "linux-swiotlb-force")!.behaviours
        want.swiotlbCopyOnMap = .toDeviceOnly
        #expect(p.behaviours == want)
    }

    @Test func anUnknownBehaviourNamesTheLineAndListsTheValidOnes() {
        #expect(throws: ProfileFileError.self) { try Profile.parse("profile x\n\nswiotlb-copy = all\n", file: "p.txt") }
        do {
            _ = try Profile.parse("profile x\n\nswiotlb-copy = all\n", file: "p.txt")
        } catch {
            #expect(error.line == 3)
            #expect(error.description.hasPrefix("p.txt:3:"))
            #expect(error.message.contains("swiotlb-copy-on-map"))
        }
    }

    @Test func aBadChoiceListsTheChoices() {
        do {
            _ = try Profile.parse("decrypt-failure = sometimes\n", file: "p")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("leak, free"))
        }
    }

    @Test func anUnknownBaseListsTheBuiltInProfiles() {
        do {
            _ = try Profile.parse("base linux-2.6\n", file: "p")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 1 && error.message.contains("linux-upstream"))
        }
    }
}
