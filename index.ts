import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";
import { refuseInvalidConfigAtConfigure } from "./rules/lib/config-validation";

refuseInvalidConfigAtConfigure(policies);

new PolicyPack("immutable-guard", { policies });
