import { containerImageDigestRequired } from "./container-image-digest-required";
import { ecrImageTagsImmutable } from "./ecr-image-tags-immutable";
import { iamNoWildcardGrants } from "./iam-no-wildcard-grants";
import { immutableNoInPlaceUpdate, immutableNoInPlaceUpdateStack } from "./immutable-no-in-place-update";
import { kubernetesConfigImmutable } from "./kubernetes-config-immutable";
import { storageObjectLockRequired, storageObjectLockRequiredStack } from "./storage-object-lock-required";
import { vaultLockRequired, vaultLockRequiredStack } from "./vault-lock-required";

/** Every policy of the pack, in the order they are listed to users: the core four, then their supporting rules. */
export const policies = [
    immutableNoInPlaceUpdate,
    immutableNoInPlaceUpdateStack,
    storageObjectLockRequired,
    storageObjectLockRequiredStack,
    iamNoWildcardGrants,
    containerImageDigestRequired,
    ecrImageTagsImmutable,
    vaultLockRequired,
    vaultLockRequiredStack,
    kubernetesConfigImmutable,
];
