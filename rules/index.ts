import { containerImageDigestRequired } from "./container-image-digest-required";
import { immutableNoInPlaceUpdate, immutableNoInPlaceUpdateStack } from "./immutable-no-in-place-update";

/** Every policy of the pack, in the order they are listed to users. */
export const policies = [
    immutableNoInPlaceUpdate,
    immutableNoInPlaceUpdateStack,
    containerImageDigestRequired,
];
