import '@servicenow/sdk/global'

declare global {
    namespace Now {
        namespace Internal {
            interface Keys extends KeysRegistry {
                explicit: {
                    'admin-api': {
                        table: 'sys_ws_definition'
                        id: '8eb48fea4622499ab991ba8af458f3c6'
                    }
                    'admin-api-acl-execute': {
                        table: 'sys_security_acl'
                        id: 'efb74e9ea3b74c37af4b0d4679a8ee21'
                    }
                    'admin-api-status': {
                        table: 'sys_ws_operation'
                        id: '3ca7ef1d346b492ead4eb66cc3484f5f'
                    }
                    'admin-api-test-event': {
                        table: 'sys_ws_operation'
                        id: 'f4fdb7fdf7324858a34a5932400305c0'
                    }
                    'admin-api-v1': {
                        table: 'sys_ws_version'
                        id: '222122b0c73349ce833587a09f0bd066'
                    }
                    bom_json: {
                        table: 'sys_module'
                        id: '10f6e8fa96c741458346de59805996f1'
                    }
                    'br-deliver-outbox-event': {
                        table: 'sys_script'
                        id: '3d0608aef3bc4870b9bcfa87f80c2006'
                    }
                    'br-queue-incident-change': {
                        table: 'sys_script'
                        id: 'e99dc61c49fb44f68d687f214eaf0c4b'
                    }
                    'br-queue-incident-deletion': {
                        table: 'sys_script'
                        id: '138df94d30d447398d9ede9fc991132f'
                    }
                    'br-queue-journal-entry': {
                        table: 'sys_script'
                        id: 'd6cc97501d034901a549750ce26d02ed'
                    }
                    'config-acl-create': {
                        table: 'sys_security_acl'
                        id: 'af537fed0193420683c19e04267c90dd'
                    }
                    'config-acl-delete': {
                        table: 'sys_security_acl'
                        id: '93c1f105317e4d6b965ed9320fe7b0ff'
                    }
                    'config-acl-read': {
                        table: 'sys_security_acl'
                        id: 'c2857b48953e4b6db39255c63e460899'
                    }
                    'config-acl-write': {
                        table: 'sys_security_acl'
                        id: 'af3f2d07d63c4c899b3db1a72b688db8'
                    }
                    'job-retry-and-purge-outbox': {
                        table: 'sysauto_script'
                        id: '1c33c75028c64b6ebfbb4e2ac05f9f12'
                    }
                    'menu-incident-io': {
                        table: 'sys_app_application'
                        id: '5ecfd010469b489d9fbd7d7f2e8211e7'
                    }
                    'module-outbox-all': {
                        table: 'sys_app_module'
                        id: '7033ba1e94b84a11bdb3d23890a9a813'
                    }
                    'module-outbox-undelivered': {
                        table: 'sys_app_module'
                        id: '5093010d9df041efab952d852cc23934'
                    }
                    'module-properties': {
                        table: 'sys_app_module'
                        id: '8ee78621cbf9486c8bcda81910530388'
                    }
                    'module-status': {
                        table: 'sys_app_module'
                        id: 'eb8070e791184ba4b8c5041a2d927b5e'
                    }
                    'outbox-acl-create': {
                        table: 'sys_security_acl'
                        id: 'd70f35cb9358460189aadbf7fa0ef016'
                    }
                    'outbox-acl-delete': {
                        table: 'sys_security_acl'
                        id: 'b9591f3159134ce792890af58538656e'
                    }
                    'outbox-acl-read': {
                        table: 'sys_security_acl'
                        id: '315b95eb773c40898ec94fe35cad5514'
                    }
                    'outbox-acl-write': {
                        table: 'sys_security_acl'
                        id: '1ded7ff9e62d40959a9c740c644dfe4f'
                    }
                    package_json: {
                        table: 'sys_module'
                        id: 'adb752ab57af44ccab6b12a5dbbceff8'
                    }
                    'property-config-version': {
                        table: 'sys_properties'
                        id: '638f866e763946ef8121538a8a108414'
                    }
                    'property-enabled': {
                        table: 'sys_properties'
                        id: 'a9452042c5e149b6ba7d0e582139afbc'
                    }
                    'property-integration-user': {
                        table: 'sys_properties'
                        id: 'f0640944b6f0477c8c4c4cf804760545'
                    }
                    'property-max-attempts': {
                        table: 'sys_properties'
                        id: '8f7fb308ed914b48a63f26e5f2f7eeed'
                    }
                    'property-request-timeout-seconds': {
                        table: 'sys_properties'
                        id: '5081e6cc2c2d4843896aea3fc210ed9e'
                    }
                    'property-retention-days': {
                        table: 'sys_properties'
                        id: 'b26bf12394c743f891b6b0bc0ebdbb66'
                    }
                    'property-retry-base-seconds': {
                        table: 'sys_properties'
                        id: '32097f8a38d345feafaa4a7c124eaa28'
                    }
                    'property-signing-secret': {
                        table: 'sys_properties'
                        id: '8645daed6d3541a882ec3bde87c8cb14'
                    }
                    'property-webhook-url': {
                        table: 'sys_properties'
                        id: 'd2ff077c80bd4028a08d152b30a3d75d'
                    }
                    src_server_api_config_ts: {
                        table: 'sys_module'
                        id: '220c9e4aa1aa4fb696443eddcfc7d6a9'
                    }
                    src_server_api_health_ts: {
                        table: 'sys_module'
                        id: '379d0c0e2452404aafcd06f14f0377ac'
                    }
                    src_server_api_resend_ts: {
                        table: 'sys_module'
                        id: '5f096e8e4df94705bae14435ec5bc418'
                    }
                    src_server_api_respond_ts: {
                        table: 'sys_module'
                        id: 'a45e64243c884824803d8a12da6cfea2'
                    }
                    src_server_api_status_ts: {
                        table: 'sys_module'
                        id: '8af6875d8d174744bef6e7ac6c8d19ce'
                    }
                    'src_server_business-rules_deliver-outbox-event_ts': {
                        table: 'sys_module'
                        id: 'fe79b37702344ac4ba8ee999ea960522'
                    }
                    'src_server_business-rules_queue-incident-change_ts': {
                        table: 'sys_module'
                        id: '3c3975a42fd74483bc28c50d1284d88c'
                    }
                    'src_server_business-rules_queue-incident-deletion_ts': {
                        table: 'sys_module'
                        id: '757a911578cf4fad865b97323b9c5538'
                    }
                    'src_server_business-rules_queue-journal-entry_ts': {
                        table: 'sys_module'
                        id: '36a719de6cd542fd975b797a4f93caf4'
                    }
                    'src_server_jobs_retry-and-purge_ts': {
                        table: 'sys_module'
                        id: '42c8f94d41824383a4242202719175d1'
                    }
                    'src_server_lib_admin-actions_ts': {
                        table: 'sys_module'
                        id: '8e3d4cdba1a3448fb45186c18a70c646'
                    }
                    src_server_lib_backoff_ts: {
                        table: 'sys_module'
                        id: 'f44f35e355794a539a8fe85a456202bd'
                    }
                    'src_server_lib_change-detection_ts': {
                        table: 'sys_module'
                        id: '33f3c4aa7a14489da384597ba89d6215'
                    }
                    'src_server_lib_clone-guard_ts': {
                        table: 'sys_module'
                        id: 'e2f764f637c148e7b7b2da46ee2c3e66'
                    }
                    src_server_lib_config_ts: {
                        table: 'sys_module'
                        id: 'f608f221327a4a0d88c40874dffd8f3e'
                    }
                    'src_server_lib_config-cache_ts': {
                        table: 'sys_module'
                        id: '496e2cf230524daf93154b26bc9ed50b'
                    }
                    'src_server_lib_config-validation_ts': {
                        table: 'sys_module'
                        id: '5258e46e824543719ab2dcd060fc956d'
                    }
                    src_server_lib_constants_ts: {
                        table: 'sys_module'
                        id: 'c33c9b23c3ce43d6a6106a21b7779041'
                    }
                    src_server_lib_delivery_ts: {
                        table: 'sys_module'
                        id: '5236bdf563f641c19018096fd53475d7'
                    }
                    'src_server_lib_glide-environment_ts': {
                        table: 'sys_module'
                        id: 'de6191c8ddb54d9a917b7e1e89c2c83f'
                    }
                    'src_server_lib_glide-interfaces_ts': {
                        table: 'sys_module'
                        id: '07a707b05fc84a9e88757d7f9ec827dc'
                    }
                    src_server_lib_health_ts: {
                        table: 'sys_module'
                        id: '5a6d74cdcf92426fb2ebcd14b751cb8c'
                    }
                    src_server_lib_ordering_ts: {
                        table: 'sys_module'
                        id: 'd91ba98d0dc14bf88d2bd1bc85acd380'
                    }
                    'src_server_lib_outbox-store_ts': {
                        table: 'sys_module'
                        id: 'a11d1c4045974fe59319c5efc4f9fd2a'
                    }
                    src_server_lib_payload_ts: {
                        table: 'sys_module'
                        id: '461e5812983249f48174131fa6476844'
                    }
                    src_server_lib_queue_ts: {
                        table: 'sys_module'
                        id: '2bc3bcc5a4024dad982483ca136ca8f0'
                    }
                    'src_server_lib_reference-lookup_ts': {
                        table: 'sys_module'
                        id: 'b319e3880c0d49f4baaee3c05a9b4d7d'
                    }
                    'src_server_lib_resend-request_ts': {
                        table: 'sys_module'
                        id: '2216cadeac6141d8bff11acb3c4523a1'
                    }
                    src_server_lib_signature_ts: {
                        table: 'sys_module'
                        id: '809be39ca8644d4fba1daadf174cac41'
                    }
                    'src_server_lib_signing-secret_ts': {
                        table: 'sys_module'
                        id: 'ac07401144604f6f99003b70ab931ee6'
                    }
                    src_server_lib_status_ts: {
                        table: 'sys_module'
                        id: 'cf9c356bf82e483083b59e03dc0e09a6'
                    }
                    src_server_lib_time_ts: {
                        table: 'sys_module'
                        id: 'b23f60ad6a1c41a2a252d27059e72f53'
                    }
                    src_server_services_configuration_ts: {
                        table: 'sys_module'
                        id: 'bdb0e3d1b0374a6b8daa83fdfa7189b0'
                    }
                    'src_server_ui-actions_resend-outbox-event_ts': {
                        table: 'sys_module'
                        id: '199d16b7102941d6851e4dea201f1940'
                    }
                    'src_server_ui-actions_send-test-event_ts': {
                        table: 'sys_module'
                        id: 'b2bce60baace4da498063d9f7ae88eaa'
                    }
                    'sync-api': {
                        table: 'sys_ws_definition'
                        id: 'e0da2456ad6249b4982b8d0a17deb2c0'
                    }
                    'sync-api-acl-execute': {
                        table: 'sys_security_acl'
                        id: 'e91900568f0049cd926744a272f1e6bf'
                    }
                    'sync-api-config': {
                        table: 'sys_ws_operation'
                        id: 'd48c247590fa4b4ea44e92baab8e7e26'
                    }
                    'sync-api-health': {
                        table: 'sys_ws_operation'
                        id: '9fd0a6b82d9c4a99a463c6805df0da95'
                    }
                    'sync-api-resend': {
                        table: 'sys_ws_operation'
                        id: '776bc48f43c24ac8b2903812e48c803f'
                    }
                    'sync-api-v1': {
                        table: 'sys_ws_version'
                        id: '5307919f0d3e4e1da87676b0db4fc1e6'
                    }
                    'task-acl-create': {
                        table: 'sys_security_acl'
                        id: '6d22678b109c496ca7411589c3c97233'
                    }
                    'task-acl-read': {
                        table: 'sys_security_acl'
                        id: 'e9413bdfcfbf4858a70774e5ffcc9c59'
                    }
                    'task-acl-write': {
                        table: 'sys_security_acl'
                        id: '06909a3432fe4089a2732a82b3792819'
                    }
                    'ui-action-resend-event': {
                        table: 'sys_ui_action'
                        id: '9b070cf89fe6420292b9cccff8697738'
                    }
                    'ui-action-send-test-event': {
                        table: 'sys_ui_action'
                        id: '3971a65c1a00491693ec26d081925d3a'
                    }
                }
                composite: [
                    {
                        table: 'sys_ui_action_role'
                        id: '060ad501786941299a0e06ff04593f82'
                        key: {
                            sys_ui_action: '9b070cf89fe6420292b9cccff8697738'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '0a3db132712d425995657550a827090d'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'attempts'
                        }
                    },
                    {
                        table: 'sys_ui_action_role'
                        id: '0d6002ef91ad44e192cb51015424b88d'
                        key: {
                            sys_ui_action: '3971a65c1a00491693ec26d081925d3a'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '13558123d24a41fc832fb13b1d41beb0'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            value: 'ping'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_user_role_contains'
                        id: '13cb43e071ee4fe29f54631913890466'
                        key: {
                            role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                            contains: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '1da3b744850b47408e62b5514cf02ce3'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'delivered_at'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '1dc7ae282c7e4e0c955bbac0ff3273f8'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'instance_url'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '22ead99cdd4242c2ad6738dc8c96b5b2'
                        key: {
                            sys_security_acl: '1ded7ff9e62d40959a9c740c644dfe4f'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '23efc8a793f14628b4a41dc116cd6182'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident_sys_id'
                        }
                    },
                    {
                        table: 'sys_choice_set'
                        id: '29117536f2c64b648b8201c2f80ba24d'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '2b61422dd8be48a9b3dfcb315a076b01'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident_number'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '30cb91fb69d44bf1947ade5d57733dae'
                        key: {
                            sys_security_acl: '315b95eb773c40898ec94fe35cad5514'
                            sys_user_role: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '33191001cdc84cdca97dc9b727013a0e'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'name'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_user_role'
                        id: '34eebaf6d8c44b13813d41e1fe0a3361'
                        key: {
                            name: 'x_incident_io.admin'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '3678bda6dff04df7a4a53e542087d9d8'
                        key: {
                            sys_security_acl: 'af537fed0193420683c19e04267c90dd'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '37eb4f5b172a4b91b1eea5288d9c15f9'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '39b94f6b25ae43ba8e63e69d50bca4e5'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'next_attempt_at'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '3aae220f3baf4862ae3da5c45ddcaf41'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            value: 'incident.created'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '411b9f94632c4eb18bb9ea85589e746a'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            value: 'dead'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '44c7654e7c2547c6aca475d9805aac9f'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'signing_secret'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '44e4b2f2c5c94988b998ab5e40a078e5'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'order_key'
                        }
                    },
                    {
                        table: 'sys_index'
                        id: '4cf9ca7a3def406c9d4352be8e7981be'
                        key: {
                            logical_table_name: 'x_incident_io_outbound_event'
                            col_name_string: 'incident_sys_id,order_key'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '4e122f238f58424c8ffc8301284447d3'
                        key: {
                            sys_security_acl: 'af3f2d07d63c4c899b3db1a72b688db8'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '4e30231251e2433ea7083a093944f4ce'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'delivered_at'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '4eeb92eb798c491f8ed9ad8fb0936804'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_attempt_at'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '51b61bc74884455bbe7940569b5308a9'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'instance_url'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_index'
                        id: '5596e65e1cca4e639bf176cfa5c7e0ef'
                        key: {
                            logical_table_name: 'x_incident_io_outbound_event'
                            col_name_string: 'state,next_attempt_at'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '59e3ba4996f845dbb17ddfc1e82823e8'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'payload'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '5edd752615c04f6b9dd6e2c341572891'
                        key: {
                            sys_security_acl: 'd70f35cb9358460189aadbf7fa0ef016'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_db_object'
                        id: '5fd2819f204144d1ade562aa6df521f6'
                        key: {
                            name: 'x_incident_io_config'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '63fad384fbed43f386ee69bb8f15fb92'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_http_status'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '652b6dffcfbe4b1583ab197fb8410ac0'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '683dbd4535a64580b96fce756929bc0c'
                        key: {
                            sys_security_acl: '315b95eb773c40898ec94fe35cad5514'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '688ff4d8ae14478fad84c4066532365a'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident_sys_id'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '697d58241564476ba0528993b47e9776'
                        key: {
                            sys_security_acl: 'b9591f3159134ce792890af58538656e'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '6c1a47c62d614d37a7e018cb67120072'
                        key: {
                            sys_security_acl: '93c1f105317e4d6b965ed9320fe7b0ff'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '6eaf606380a341cd9874e680c827f504'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            value: 'delivered'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '70b5d3427e6a4a25827c6c2fda830a2e'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'NULL'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '70e88a4039a047ad9eab405cc823d921'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'signing_secret'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '7386c2ebee044637868336c069e63584'
                        key: {
                            sys_security_acl: '6d22678b109c496ca7411589c3c97233'
                            sys_user_role: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '767caad8c4054c5e8dfb99a203947714'
                        key: {
                            sys_security_acl: 'e91900568f0049cd926744a272f1e6bf'
                            sys_user_role: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '79746bd9bced460fb167d8381d706602'
                        key: {
                            sys_security_acl: 'e9413bdfcfbf4858a70774e5ffcc9c59'
                            sys_user_role: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '7eff00453755468b81cc8365fee00f0d'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '809476d1d8f34ccd9f5d367a3d437991'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_attempt_at'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '811b28fb96604098b3f9dabc94dc964d'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'name'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '82dcebcee39c44a79bde70d088979de8'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            value: 'failed'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '8373176ec69244a2acb5b7227c2e04a5'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            value: 'incident.journal'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '84a474de83564a978b90f04b319cbf6c'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            value: 'queued'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '8b4840a579cc4a15aa44088897585e1f'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_index'
                        id: '8f8f93fcd5d44d6b8257a3abb19c4b60'
                        key: {
                            logical_table_name: 'x_incident_io_config'
                            col_name_string: 'name'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '98aa3802defa4de1a81fda82629184c8'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_error'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '9cfd07a9a921497fa069750db35a7316'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            value: 'incident.updated'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'a146de0fb06b4beca81599b7a7ebfb6a'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'a31c49318dd343f5a8d1c643cbc1f750'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'instance_name'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'a607d80e320d4e449e666479a9aeaab2'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'NULL'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'aa69d1598e6942038b8e035d7ea24127'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'payload'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: 'ace0f3921a184ee9ab94a34f85356224'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            value: 'incident.deleted'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'b8b9332c4e654abc9dc0427dd2b3bb37'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'next_attempt_at'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'b96cfc98db2048beaba3b04df1e1620b'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'NULL'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'ba488f602faa45dba3206f388485a583'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'order_key'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_ui_page'
                        id: 'bcaf67e2c15841c7bac02ed899f2e058'
                        key: {
                            endpoint: 'x_incident_io_status.do'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'bd71048fee1d4fe3859ba9cb13d4fdf4'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident_number'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: 'c1b452416ae34c54be87c0e901bb8603'
                        key: {
                            sys_security_acl: 'efb74e9ea3b74c37af4b0d4679a8ee21'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'c34387f7f0df4451a4a90cd757796562'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'instance_name'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'cfcc4bcc94fb402095835c1e6fd7db31'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_http_status'
                        }
                    },
                    {
                        table: 'sys_choice_set'
                        id: 'd117f436eb0c4cf5a018d075d4a60c04'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'd35c024ce88c4a2681b101befdec9d83'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_error'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'd36bc7e18e5b485fb0c8293da8a71bdf'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_db_object'
                        id: 'd4f80f6f9a3740fa9e0df3773e2ee4f8'
                        key: {
                            name: 'x_incident_io_outbound_event'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: 'd55d9280916049eda33c5344a9ec60bb'
                        key: {
                            sys_security_acl: 'c2857b48953e4b6db39255c63e460899'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'ua_table_licensing_config'
                        id: 'd5addbc39503440ea98431524453b341'
                        key: {
                            name: 'x_incident_io_config'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'db0e59402466423297f047f5f8ffd672'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'attempts'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'dc942f94a91e4ef091934bd2200e046f'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_id'
                            language: 'en'
                        }
                    },
                    {
                        table: 'ua_table_licensing_config'
                        id: 'de855cd8b03b4cfb915bb40c0e03fc80'
                        key: {
                            name: 'x_incident_io_outbound_event'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'e238a5c578264dad939b57f2fb3e8664'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_id'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: 'e25f6874973446bbb1905823b74acab3'
                        key: {
                            sys_security_acl: '06909a3432fe4089a2732a82b3792819'
                            sys_user_role: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'eb2408a9fcef44249a882b054cc2b5a5'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'sequence'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'ec54634c1aa44171a91ba952cb67b887'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'NULL'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_index'
                        id: 'ee59ce9f6c1f40379dc504454d18599a'
                        key: {
                            logical_table_name: 'x_incident_io_outbound_event'
                            col_name_string: 'event_id'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: 'f68dc7aa7a7d48beb0a9766b824cb73d'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            value: 'sending'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_user_role'
                        id: 'f6d1cbf875314f7a85e175d2158b5f45'
                        key: {
                            name: 'x_incident_io.api_user'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'f6e70881049743c6a0d6bcacf736f2b9'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'sequence'
                            language: 'en'
                        }
                    },
                ]
            }
        }
    }
}
