#pragma once

#include "dropoutlab/core/run_plan.h"

#include <QString>
#include <QStringList>

namespace dropoutlab::ui {

/// What the desktop app was asked to do on its command line.
struct GuiOptions {
    QString preset;              ///< empty: reference
    QString configFile;
    dropoutlab::RunOverrides overrides;
    bool hasOverrides = false;   ///< any run flag given (then the plan is queued)
    QString workspace;           ///< empty: the last one, else the default
    bool autostart = false;
    QString exportDir;           ///< export charts and results here when the queue is done
    bool quitWhenDone = false;
    bool reportStalls = false;   ///< print EventLoopMonitor's summary on quitting
    bool analysis = false;       ///< when the queue is done (or at once): MC dropout over recent runs
    QString sweepSpec;           ///< queue this sweep spec (JSON) into a new sweep folder
    QString openSweep;           ///< show this sweep folder (e.g. written by CLI shards)
    bool version = false;        ///< print the build and system report and exit
    QString theme;               ///< "light", "dark" or "system" for this session; empty: the saved one
};

/// True when the arguments only ask for text (--help, --version): the app can answer without a
/// display, before it creates its window system connection.
bool wantsTextOnly(int argc, char** argv);

/// Parses the app's arguments (argv[0] first). On a usage error returns false with `error` set;
/// --help prints and exits inside QCommandLineParser; --version sets `version`.
bool parseGuiCommandLine(const QStringList& arguments, GuiOptions& options, QString& error);

} // namespace dropoutlab::ui
