package org.twinmail.admin;

/** The admin contract on an open store, as the CLI uses it on a stopped node. */
class AdminServiceTest extends AdminContractTest {
    @Override
    protected AdminOperations open(AdminService service) {
        return service;
    }
}
