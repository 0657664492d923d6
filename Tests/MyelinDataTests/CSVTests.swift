import Foundation
import MyelinData
import Testing

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
        #expect(
            dataError { try fractional.classificationDataset() }?.description
                == "frac.csv:1:2: label 0.5 is not a class label (expected a whole number ≥ 0)")
        let regression = try table.regressionDataset(targetColumn: 0)
        #expect(regression.batch(at: [1]).labels.scalars == [0.25])
        #expect(regression.batch(at: [1]).inputs.scalars == [2, 0])
    }

    /// A one-column table has no features: building a dataset from it is a thrown error, not a crash.
    @Test func datasetsWithoutFeatureColumnsAreErrors() throws {
        let single = try CSVTable(text: "1\n2\n3\n", name: "single.csv")
        #expect(single.columnCount == 1)
        let regression = dataError { try single.regressionDataset() }
        #expect(regression?.kind == .invalidValue)
        #expect(regression?.path == "single.csv")
        #expect(
            regression?.description
                == "single.csv: a regression dataset needs at least one feature column besides the target column 0, but the table has only 1 column"
        )
        #expect(dataError { try single.regressionDataset(targetColumn: 0) } == regression)
        let classification = dataError { try single.classificationDataset() }
        #expect(classification?.kind == .invalidValue)
        #expect(
            classification?.description
                == "single.csv: a classification dataset needs at least one feature column besides the label column 0, but the table has only 1 column"
        )
        // The default text name, a header naming the column, and a header-only table.
        #expect(dataError { try CSVTable(text: "1\n2\n3\n").regressionDataset() }?.path == "<text>")
        let named = try CSVTable(text: "y\n0.5\n", name: "y.csv", hasHeader: true)
        #expect(
            dataError { try named.regressionDataset(targetColumn: "y") }?.message
                == "a regression dataset needs at least one feature column besides the target column 0 (\"y\"), but the table has only 1 column"
        )
        #expect(
            dataError { try CSVTable(text: "label\n", hasHeader: true).classificationDataset(labelColumn: "label") }?.kind
                == .invalidValue)
        // A column that does not exist is still reported as such.
        #expect(
            dataError { try single.regressionDataset(targetColumn: 3) }?.message
                == "column index 3 is out of range for a table of 1 columns")
        // Two columns are enough.
        let pair = try CSVTable(text: "1,2\n3,4\n")
        #expect(try pair.regressionDataset().inputShape == [1])
        #expect(try pair.classificationDataset().inputShape == [1])
    }

    @Test func missingFileIsAnError() {
        #expect(dataError { try CSVTable(contentsOf: "/nonexistent/t.csv") }?.kind == .missingFile)
    }
}
