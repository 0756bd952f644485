package org.twinmail.admin;

/** The admin contract on an open store, as the CLI uses it on a stopped node. */
class AdminServiceTest extends AdminContractTest {
    @Override
    protected AdminOperations open(AdminService service) {
        return service;
    }

    @org.junit.jupiter.api.Test
    void theNodesPasswordPolicyHoldsForEveryWayAPasswordIsSet() {
        AdminService strict = new AdminService(store, HASHER).passwordPolicy(new org.twinmail.core.auth.PasswordPolicy(10));
        strict.addDomain("example.org");
        fails(() -> strict.addUser("alice@example.org", "short".toCharArray(), 0, 0), AdminException.Kind.INVALID,
                "the password must be at least 10 characters long (it has 5)");
        strict.addUser("alice@example.org", "long enough".toCharArray(), 0, 0);
        fails(() -> strict.updateUser("alice@example.org", "short".toCharArray(), null, null), AdminException.Kind.INVALID,
                "the password must be at least 10 characters long (it has 5)");
        AdminOperations.ImportResult imported = strict.importUsers("address,password\nbob@example.org,bob\ncarol@example.org,carol's password\n", null);
        org.assertj.core.api.Assertions.assertThat(imported.rows()).extracting(AdminOperations.ImportRow::address, AdminOperations.ImportRow::outcome,
                AdminOperations.ImportRow::error).containsExactly(
                org.assertj.core.groups.Tuple.tuple("bob@example.org", "error", "the password must be at least 10 characters long (it has 3)"),
                org.assertj.core.groups.Tuple.tuple("carol@example.org", "created", null));
    }
}
