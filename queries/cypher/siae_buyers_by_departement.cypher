// Public buyers that contracted with an SIAE, by département of execution.
// No parameter. One row per département, buyer: the number of distinct public contracts
// (DECP) the buyer awarded to an SIAE (ACI, EI, AI, ETTI, EITI) and carried out in that
// département. Contracts whose place gives no département are left out.
MATCH (siae:Node)-[:HOLDS]->(contract:Node)-[:AWARDED_BY]->(buyer:Node)
WHERE siae.kind IN ['ACI', 'EI', 'AI', 'ETTI', 'EITI']
MATCH (contract)-[:LOCATED_IN]->(departement:Departement)
RETURN departement.id AS departement, buyer.id AS buyer, count(DISTINCT contract) AS contracts
