import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";
import { refuseInvalidConfigAtConfigure } from "./rules/lib/config-validation";
import { shareDeserializedProperties } from "./rules/lib/sdk-deserialization";

refuseInvalidConfigAtConfigure(policies);
shareDeserializedProperties();

new PolicyPack("immutable-guard", { policies });
