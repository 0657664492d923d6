import MyelinTensor
import Testing

@Suite struct CheckpointMetadataTests {
    struct Recipe: Codable, Equatable {
        var steps: Int
        var batch: Int
        var name: String
    }

    @Test func valuesRoundTripAsSortedJSON() throws {
        let recipe = Recipe(steps: 3, batch: 8, name: "gpt")
        let json = try CheckpointMetadata.json(recipe)
        #expect(json == #"{"batch":8,"name":"gpt","steps":3}"#)
        #expect(try CheckpointMetadata.value(Recipe.self, key: "r", in: ["r": json], path: "a.safetensors", what: "recipe") == recipe)
    }

    @Test func aMissingOrUnreadableValueNamesTheFileAndTheKey() {
        for metadata in [[:], ["r": "{\"steps\":"], ["r": #"{"steps":1}"#]] {
            #expect(throws: CheckpointError(path: "a.safetensors", message: "its recipe (metadata r) is missing or unreadable")) {
                try CheckpointMetadata.value(Recipe.self, key: "r", in: metadata, path: "a.safetensors", what: "recipe")
            }
        }
    }
}
