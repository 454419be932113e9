import { containerImageDigestRequired } from "./container-image-digest-required";
import { iamNoWildcardGrants } from "./iam-no-wildcard-grants";

/** Every policy of the pack, in the order they are listed to users. */
export const policies = [
    containerImageDigestRequired,
    iamNoWildcardGrants,
];
