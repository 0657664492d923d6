import Foundation
import Testing
import MyelinData

@Suite struct CSVTests {
    @Test func readsATableWithoutHeader() throws {
        let table = try CSVTable(text: "1,2,3\n4, 5.5 ,-6e1\n\n7,8,9\n")
        #expect(table.header == nil)
        #expect(table.rowCount == 3)
        #expect(table.columnCount == 3)
        #expect(table.values == [1, 2, 3, 4, 5.5, -60, 7, 8, 9])
        #expect(try table.column(-1) == [3, -60, 9])
        #expect(try table.column(1) == [2, 5.5, 8])
    }

    @Test func readsAHeaderAndFindsColumnsByName() throws {
        let text = "\u{FEFF}sepal,\"petal\",species\r\n5.1,1.4,0\r\n6.3,4.9,2\r\n"
        let table = try CSVTable(text: text, hasHeader: true)
        #expect(table.header == ["sepal", "petal", "species"])
        #expect(table.rowCount == 2)
        #expect(try table.columnIndex("species") == 2)
        #expect(try table.columnIndex(-3) == 0)
        #expect(try table.column("petal") == [1.4, 4.9])
        let (features, featureCount, labels) = try table.features(excluding: "petal")
        #expect(features == [5.1, 0, 6.3, 2])
        #expect(featureCount == 2)
        #expect(labels == [1.4, 4.9])
        #expect(dataError { try table.columnIndex("colour") }?.message.contains("\"sepal\", \"petal\", \"species\"") == true)
        #expect(dataError { try table.columnIndex(3) }?.kind == .invalidValue)
        #expect(dataError { try table.columnIndex(-4) }?.kind == .invalidValue)
        let noHeader = try CSVTable(text: "1,2\n")
        #expect(dataError { try noHeader.columnIndex("x") }?.message.contains("without a header") == true)
    }

    @Test func otherDelimitersAndGzipFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try write(GZip.compress(Array("a;b\n1;2\n3;4\n".utf8)), to: "t.csv.gz", in: dir)
        let table = try CSVTable(contentsOf: path, hasHeader: true, delimiter: ";")
        #expect(table.values == [1, 2, 3, 4])
        let tabs = try CSVTable(text: "1\t2\n3\t4", delimiter: "\t")
        #expect(tabs.values == [1, 2, 3, 4])
    }

    @Test func raggedRowIsAnErrorWithItsLine() {
        let error = dataError { try CSVTable(text: "a,b,c\n1,2,3\n\n4,5\n", name: "ragged.csv", hasHeader: true) }
        #expect(error?.kind == .raggedRow)
        #expect(error?.line == 4)
        #expect(error?.description == "ragged.csv:4: ragged row: 2 fields, expected 3 as in line 1")
    }

    @Test func nonNumericAndEmptyValuesAreErrorsWithLineAndColumn() {
        var error = dataError { try CSVTable(text: "x,y\n1,2\n3,abc\n", name: "bad.csv", hasHeader: true) }
        #expect(error?.kind == .invalidValue)
        #expect(error?.description == "bad.csv:3:2: \"abc\" in column 2 (\"y\") is not a number")
        error = dataError { try CSVTable(text: "1,,3\n", name: "gap.csv") }
        #expect(error?.description == "gap.csv:1:2: empty field in column 2")
        // A header row read as data is an error too, at line 1.
        error = dataError { try CSVTable(text: "x,y\n1,2\n", name: "h.csv") }
        #expect(error?.line == 1)
        #expect(error?.column == 1)
    }

    @Test func classificationDatasetChecksLabels() throws {
        let table = try CSVTable(text: "f1,f2,label\n0.5,1,1\n0.25,2,0\n1,3,2\n", hasHeader: true)
        let data = try table.classificationDataset(labelColumn: "label")
        #expect(data.count == 3)
        #expect(data.inputShape == [2])
        let (inputs, labels) = data.batch(at: [2, 0])
        #expect(inputs.scalars == [1, 3, 0.5, 1])
        #expect(labels.integers == [2, 1])
        #expect(labels.dtype == .int64)
        // By index, from the end, with a class count that the labels break.
        let error = dataError { try table.classificationDataset(labelColumn: -1, classCount: 2) }
        #expect(error?.line == 4)
        #expect(error?.column == 3)
        let fractional = try CSVTable(text: "1,0.5\n", name: "frac.csv")
        #expect(dataError { try fractional.classificationDataset() }?.description
                == "frac.csv:1:2: label 0.5 is not a class label (expected a whole number ≥ 0)")
        let regression = try table.regressionDataset(targetColumn: 0)
        #expect(regression.batch(at: [1]).labels.scalars == [0.25])
        #expect(regression.batch(at: [1]).inputs.scalars == [2, 0])
    }

    @Test func missingFileIsAnError() {
        #expect(dataError { try CSVTable(contentsOf: "/nonexistent/t.csv") }?.kind == .missingFile)
    }
}
