// Tabular datasets: a CSV file with a header row (comma, semicolon or tab separated, quotes as in
// RFC 4180), one example per row, numeric features and one label column (docs/datasets.md). The
// file is read once, in time linear in its size; every refusal names the file, the line and the
// column.

#include "dataset_formats.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_io.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

namespace dropoutlab::detail {
namespace {

constexpr std::size_t kMaxCellBytes = 256;

struct Cursor {
    const std::string& text;
    std::size_t at = 0;
    std::size_t line = 1;
};

/// The cells of the next record; false at the end of the file. Quoted cells may hold the
/// separator, quotes ("") and line breaks.
bool nextRecord(Cursor& c, char separator, std::vector<std::string>& cells, const std::string& path)
{
    cells.clear();
    if (c.at >= c.text.size())
        return false;
    std::string cell;
    bool quoted = false, wasQuoted = false;
    std::size_t quotedLength = 0;  // a quoted cell's text ends here; blanks after its quote are dropped
    const std::size_t startLine = c.line;
    const auto push = [&] {
        if (!wasQuoted) {  // unquoted cells lose their surrounding blanks
            const auto first = cell.find_first_not_of(" \t");
            cell = first == std::string::npos ? std::string() : cell.substr(first, cell.find_last_not_of(" \t") - first + 1);
        } else if (cell.find_first_not_of(" \t", quotedLength) == std::string::npos) {
            cell.resize(quotedLength);
        }
        cells.push_back(std::move(cell));
        cell.clear();
        wasQuoted = false;
    };
    while (c.at < c.text.size()) {
        const char ch = c.text[c.at++];
        if (quoted) {
            if (ch == '"') {
                if (c.at < c.text.size() && c.text[c.at] == '"') {
                    cell += '"';
                    ++c.at;
                } else {
                    quoted = false;
                    quotedLength = cell.size();
                }
            } else {
                if (ch == '\n')
                    ++c.line;
                cell += ch;
            }
        } else if (ch == '"' && cell.find_first_not_of(" \t") == std::string::npos) {
            quoted = wasQuoted = true;
            cell.clear();
        } else if (ch == separator) {
            push();
        } else if (ch == '\n') {
            ++c.line;
            break;
        } else if (ch != '\r') {
            cell += ch;
        }
        if (cell.size() > kMaxCellBytes)
            throw DataError(path + ": line " + std::to_string(c.line) + ", column " + std::to_string(cells.size() + 1) +
                            ": a cell of more than " + std::to_string(kMaxCellBytes) + " bytes; not a table of numbers");
    }
    if (quoted)
        throw DataError(path + ": line " + std::to_string(startLine) + ": a quoted cell is never closed");
    push();
    return true;
}

bool blank(const std::vector<std::string>& cells)
{
    return std::all_of(cells.begin(), cells.end(), [](const std::string& s) { return s.empty(); });
}

std::string cellPlace(const std::string& path, std::size_t line, std::size_t column, const std::string& name)
{
    return path + ": line " + std::to_string(line) + ", column " + std::to_string(column + 1) + " (" + name + ")";
}

float featureValue(const std::string& cell, const std::string& place)
{
    static const std::set<std::string> kMissing = {"", "NA", "N/A", "na", "NaN", "nan", "NULL", "null", "?", "-"};
    if (kMissing.count(cell))
        throw DataError(place + ": a missing value ('" + cell +
                        "'); every feature needs a number (fill or drop the row first)");
    double value = 0.0;
    const char* end = cell.data() + cell.size();
    const char* begin = cell.data() + (cell[0] == '+' ? 1 : 0);
    const auto [stop, error] = std::from_chars(begin, end, value);
    if (error != std::errc() || stop != end || !std::isfinite(value) || std::abs(value) > 3e38)
        throw DataError(place + ": '" + cell + "' is not a number; features must be numeric (decimal point '.')");
    return static_cast<float>(value);
}

char detectSeparator(const std::string& text)
{
    const std::string header = text.substr(0, text.find('\n'));
    for (const char candidate : {',', ';', '\t'})
        if (header.find(candidate) != std::string::npos)
            return candidate;
    return ',';
}

/// Class names ordered as numbers when every label is an integer, otherwise as text.
std::vector<std::string> orderClasses(const std::set<std::string>& labels)
{
    std::vector<std::string> names(labels.begin(), labels.end());
    const bool integers = std::all_of(names.begin(), names.end(), [](const std::string& s) {
        long long v = 0;
        const auto [stop, error] = std::from_chars(s.data(), s.data() + s.size(), v);
        return error == std::errc() && stop == s.data() + s.size();
    });
    if (integers)
        std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
            return std::stoll(a) < std::stoll(b);
        });
    return names;
}

} // namespace

TablePath splitTablePath(const std::string& path)
{
    const auto hash = path.rfind('#');
    if (hash != std::string::npos && hash > 0) {
        const std::string file = path.substr(0, hash);
        if (file.size() >= 4 && file.compare(file.size() - 4, 4, ".csv") == 0)
            return {file, path.substr(hash + 1)};
    }
    return {path, ""};
}

bool isTablePath(const std::string& path)
{
    const std::string file = splitTablePath(path).file;
    return file.size() >= 4 && (file.compare(file.size() - 4, 4, ".csv") == 0 || file.compare(file.size() - 4, 4, ".CSV") == 0);
}

namespace {

/// A table as read: the header, the label column, the features row by row and the labels' text.
struct RawTable {
    std::vector<std::string> header;
    std::size_t labelColumn = 0;
    std::vector<float> values;
    std::vector<std::string> labels;
};

std::size_t readHeader(Cursor& cursor, char separator, const TablePath& table, std::vector<std::string>& header)
{
    const std::string& file = table.file;
    while (nextRecord(cursor, separator, header, file) && blank(header)) {
    }
    if (header.size() < 2)
        throw DataError(file + ": the first line is not a header of at least two columns (features and a label)");
    if (header.size() > static_cast<std::size_t>(kMaxImageSide) + 1)
        throw DataError(file + ": " + std::to_string(header.size()) + " columns; at most " +
                        std::to_string(kMaxImageSide) + " features and a label are supported");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i].empty())
            throw DataError(cellPlace(file, 1, i, "unnamed") + ": the header names no column here");
        if (!seen.insert(header[i]).second)
            throw DataError(cellPlace(file, 1, i, header[i]) + ": the column name '" + header[i] + "' appears twice");
    }
    if (table.labelColumn.empty())
        return header.size() - 1;
    const auto it = std::find(header.begin(), header.end(), table.labelColumn);
    if (it == header.end())
        throw DataError(file + ": no column is named '" + table.labelColumn + "' (the label column asked for after '#')");
    return static_cast<std::size_t>(it - header.begin());
}

RawTable readTable(const TablePath& table)
{
    const std::string& file = table.file;
    std::string text = readTextFile(file, kMaxTableBytes);
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0)
        text.erase(0, 3);  // a UTF-8 byte order mark
    const char separator = detectSeparator(text);
    Cursor cursor{text};
    RawTable raw;
    raw.labelColumn = readHeader(cursor, separator, table, raw.header);
    const auto& header = raw.header;
    std::vector<std::string> cells;
    while (true) {
        const std::size_t line = cursor.line;
        if (!nextRecord(cursor, separator, cells, file))
            break;
        if (blank(cells))
            continue;
        if (cells.size() != header.size())
            throw DataError(file + ": line " + std::to_string(line) + " has " + std::to_string(cells.size()) +
                            " cells; the header has " + std::to_string(header.size()));
        if (raw.labels.size() >= static_cast<std::size_t>(kMaxExamples))
            throw DataError(file + ": more than " + std::to_string(kMaxExamples) + " rows; too many");
        for (std::size_t i = 0; i < cells.size(); ++i)
            if (i != raw.labelColumn)
                raw.values.push_back(featureValue(cells[i], cellPlace(file, line, i, header[i])));
        if (cells[raw.labelColumn].empty())
            throw DataError(cellPlace(file, line, raw.labelColumn, header[raw.labelColumn]) + ": the label is missing");
        raw.labels.push_back(cells[raw.labelColumn]);
    }
    return raw;
}

} // namespace

DatasetBytes loadCsv(const std::string& path)
{
    const TablePath table = splitTablePath(path);
    const std::string& file = table.file;
    const RawTable raw = readTable(table);
    const std::string& labelName = raw.header[raw.labelColumn];
    const std::set<std::string> distinct(raw.labels.begin(), raw.labels.end());
    if (distinct.size() > static_cast<std::size_t>(kMaxClasses))
        throw DataError(file + ": the label column '" + labelName + "' holds " + std::to_string(distinct.size()) +
                        " distinct values; at most " + std::to_string(kMaxClasses) +
                        " classes are supported (is it a feature? name the label column after '#')");
    if (distinct.size() < static_cast<std::size_t>(kMinClasses))
        throw DataError(file + ": the label column '" + labelName + "' holds " + std::to_string(distinct.size()) +
                        " distinct value(s); a classification needs at least 2");

    DatasetBytes data;
    data.format = DataFormat::Table;
    data.classNames = orderClasses(distinct);
    std::map<std::string, std::int32_t> classOf;
    for (std::size_t c = 0; c < data.classNames.size(); ++c)
        classOf[data.classNames[c]] = static_cast<std::int32_t>(c);
    for (std::size_t i = 0; i < raw.header.size(); ++i)
        if (i != raw.labelColumn)
            data.featureNames.push_back(raw.header[i]);
    const std::size_t features = data.featureNames.size();
    data.shape = {1, 1, static_cast<int>(features), static_cast<int>(data.classNames.size())};
    std::vector<std::int32_t> classes;
    for (const auto& label : raw.labels)
        classes.push_back(classOf[label]);
    const std::vector<char> isTest = heldOutTestSet(classes, data.classNames.size());
    for (std::size_t r = 0; r < classes.size(); ++r) {
        auto& target = isTest[r] ? data.testValues : data.trainValues;
        target.insert(target.end(), raw.values.begin() + static_cast<std::ptrdiff_t>(r * features),
                      raw.values.begin() + static_cast<std::ptrdiff_t>((r + 1) * features));
        (isTest[r] ? data.testLabels : data.trainLabels).push_back(classes[r]);
    }
    finishDataset(data, file, {});
    return data;
}

} // namespace dropoutlab::detail
