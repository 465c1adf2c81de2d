-- CreateTable
CREATE TABLE "ParameterContext" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Parameter" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "contextId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT,
    "sensitive" BOOLEAN NOT NULL DEFAULT false,
    "description" TEXT,
    CONSTRAINT "Parameter_contextId_fkey" FOREIGN KEY ("contextId") REFERENCES "ParameterContext" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "ParameterContext_name_key" ON "ParameterContext"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Parameter_contextId_name_key" ON "Parameter"("contextId", "name");

