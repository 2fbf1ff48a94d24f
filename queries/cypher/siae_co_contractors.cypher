// SIAE that co-contracted with a company: holders of one public contract (DECP) together.
// No parameter. One row per SIAE (ACI, EI, AI, ETTI, EITI), company (Entreprise) and
// contract (the key of the CO_CONTRACTOR_OF relation), whichever way the relation points.
MATCH (siae:Node)-[tie:CO_CONTRACTOR_OF]-(company:Entreprise)
WHERE siae.kind IN ['ACI', 'EI', 'AI', 'ETTI', 'EITI']
RETURN DISTINCT siae.id AS siae, company.id AS company, tie.key AS contract
