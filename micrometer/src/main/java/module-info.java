/**
 * Micrometer meters from close events. Micrometer is provided by the application.
 */
module org.closepolicy.micrometer {
    requires transitive org.closepolicy.core;
    requires static micrometer.core;

    exports org.closepolicy.micrometer;
}
