// Asks the installed DCMTK library (libdcmdata) what it knows about UIDs, through its public API only.
// Used by `node dist/scripts/generate-tables.js --import-dcmtk` to refresh the DCMTK fact files in scripts/data/.
//
//   dcmtk-probe storage      prints dcmAllStorageSOPClassUIDs, one UID a line, in DCMTK's order
//   dcmtk-probe xfer         prints DCMTK's transfer syntax table (class DcmXfer), one a line:
//                            E_TransferSyntax value TAB getXferID TAB getXferName TAB isRetired (1/0)
//   dcmtk-probe < uids.txt   for each UID read (one a line): UID TAB dcmFindNameOfUID TAB dcmSOPClassUIDToModality
//                            (an empty field where DCMTK returns NULL)
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmdata/dcxfer.h"
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

static const char *orEmpty(const char *s) { return s ? s : ""; }

int main(int argc, char **argv)
{
    if (argc > 1 && std::strcmp(argv[1], "storage") == 0) {
        for (int i = 0; i < numberOfDcmAllStorageSOPClassUIDs; ++i) std::printf("%s\n", dcmAllStorageSOPClassUIDs[i]);
        return 0;
    }
    if (argc > 1 && std::strcmp(argv[1], "xfer") == 0) {
        // E_TransferSyntax values are small consecutive integers; an unknown value gives EXS_Unknown.
        for (int i = 0; i < 1000; ++i) {
            const DcmXfer x(static_cast<E_TransferSyntax>(i));
            if (x.getXfer() != static_cast<E_TransferSyntax>(i)) continue;
            std::printf("%d\t%s\t%s\t%d\n", i, orEmpty(x.getXferID()), orEmpty(x.getXferName()), x.isRetired() ? 1 : 0);
        }
        return 0;
    }
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        const char *uid = line.c_str();
        std::printf("%s\t%s\t%s\n", uid, orEmpty(dcmFindNameOfUID(uid, NULL)), orEmpty(dcmSOPClassUIDToModality(uid, NULL)));
    }
    return 0;
}
