import { containerImageDigestRequired } from "./container-image-digest-required";
import { ecrImageTagsImmutable } from "./ecr-image-tags-immutable";
import { kubernetesConfigImmutable } from "./kubernetes-config-immutable";
import { storageObjectLockRequired, storageObjectLockRequiredStack } from "./storage-object-lock-required";
import { vaultLockRequired, vaultLockRequiredStack } from "./vault-lock-required";

/** Every policy of the pack, in the order they are listed to users. */
export const policies = [
    containerImageDigestRequired,
    storageObjectLockRequired,
    storageObjectLockRequiredStack,
    ecrImageTagsImmutable,
    vaultLockRequired,
    vaultLockRequiredStack,
    kubernetesConfigImmutable,
];
